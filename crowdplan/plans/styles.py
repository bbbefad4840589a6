"""Style rules for uploaded layers: land-use colours when the values are land-use codes."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

# Distinct, colour-blind-safe-ish colours for arbitrary classes (ColorBrewer Set1 + Dark2).
PALETTE = [
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf",
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
]  # fmt: skip
MAX_CLASSES = 24


@cache
def landuse_classes() -> dict[str, dict]:
    """Land-use code -> colour and label (from landuse.toml)."""
    with (Path(__file__).with_name("landuse.toml")).open("rb") as fh:
        return tomllib.load(fh)


def auto_style(properties: list[dict], prop: str | None, *, color: str = "#3388ff") -> dict:
    """A style rule for a layer: by `prop` when given (land-use or palette colours), else single."""
    if not prop:
        return {"color": color}
    values = sorted({str(p.get(prop, "")) for p in properties})[:MAX_CLASSES]
    known = landuse_classes()
    if values and all(v.upper()[:1] in known for v in values):
        classes = {v: dict(known[v.upper()[:1]]) for v in values}
    else:
        classes = {
            v: {"color": PALETTE[i % len(PALETTE)], "label": v or "—"} for i, v in enumerate(values)
        }
    return {"property": prop, "classes": classes, "default": {"color": "#888888", "label": "—"}}
