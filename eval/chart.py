"""A grouped bar chart of the main metrics per system (matplotlib, Agg backend, imported only here).

Left out: latency (a different unit; it is in the report's table) and error bars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def draw(summary: Mapping[str, Mapping[str, Any]], metrics: Sequence[str], path: Path) -> None:
    """Bars: one group per metric, one bar per system; a missing value (None) draws as no bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(summary)
    width = 0.8 / max(1, len(systems))
    fig, ax = plt.subplots(figsize=(11, 4.5), dpi=100)
    for i, name in enumerate(systems):
        values = [summary[name].get(m) for m in metrics]
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(metrics))]
        ax.bar(xs, [v or 0.0 for v in values], width, label=name)
    ax.set_xticks(range(len(metrics)), list(metrics))
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("score (0–1)")
    ax.set_title("Retrieval quality per system (gold set)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(ncols=min(6, len(systems)), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
