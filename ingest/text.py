"""Small text helpers shared by every stage: whitespace normalisation and verbatim checks."""

import re

_WS = re.compile(r"\s+")


def normalise_ws(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


def is_verbatim(piece: str, normalised_source: str) -> bool:
    """True when `piece` occurs in the (already normalised) source, whitespace aside."""
    return normalise_ws(piece) in normalised_source
