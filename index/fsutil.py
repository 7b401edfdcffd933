"""File-system helpers for the index folder: hashing, fsync, a build lock, and the atomic swap of folders.

The swap uses Linux's renameat2(RENAME_EXCHANGE) when it can, so the target path always names a complete
index. Elsewhere it falls back to rename-aside / rename-in / delete-old, and `recover` repairs the one window
in which the target is missing. It leaves out Windows (no flock, no directory fsync).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from errors import IndexFault

_RENAME_EXCHANGE = 2  # from <linux/fs.h>
_AT_FDCWD = -100


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_tree(root: Path) -> None:
    """fsync every file, then every folder (deepest first), so a following rename publishes durable data."""
    dirs: list[str] = []
    for here, _, files in os.walk(root):
        dirs.append(here)
        for name in files:
            fd = os.open(os.path.join(here, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for d in reversed(dirs):
        fsync_dir(Path(d))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def aside_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def temp_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


@contextlib.contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive lock beside `target` (released by the kernel if the process dies)."""
    lock = target.with_name(f".{target.name}.lock")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise IndexFault(f"cannot write the index folder {target}: {e.strerror or e}") from e
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def recover(target: Path) -> None:
    """Undo what a crash may have left; call while holding `build_lock`."""
    aside = aside_path(target)
    if aside.exists():
        if target.exists():
            shutil.rmtree(aside, ignore_errors=True)  # crashed after the new index was renamed in
        else:
            os.rename(aside, target)  # crashed between the two renames: put the previous index back
            fsync_dir(target.parent)
    for stale in target.parent.glob(temp_prefix(target) + "*"):
        shutil.rmtree(stale, ignore_errors=True)  # a build that died; we hold the lock, so nobody owns it


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False when the kernel or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, target: Path) -> None:
    """Make the complete folder `new` appear at `target`, replacing any previous folder there."""
    parent = target.parent
    if not target.exists():
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new)  # `new` now holds the previous index
    else:
        aside = aside_path(target)
        os.rename(target, aside)
        os.rename(new, target)
        fsync_dir(parent)
        shutil.rmtree(aside)
    fsync_dir(parent)
