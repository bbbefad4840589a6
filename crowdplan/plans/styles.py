"""Style rules for uploaded layers: land-use colours when the values are land-use codes.

Two code tables are known, both as data beside this file: the 2023 land and sea use classes
(用地用海分类, landuse_2023.toml: "07", "0701", "070101" ...) that plans made since use, and
GB 50137-2011 (landuse.toml: "R", "R2", "A33" ...) that older urban plans use.
"""

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


def _load(name: str) -> dict:
    with (Path(__file__).with_name(name)).open("rb") as fh:
        return tomllib.load(fh)


@cache
def landuse_classes() -> dict[str, dict]:
    """GB 50137-2011 major class letter -> colour and label (from landuse.toml)."""
    return _load("landuse.toml")


@cache
def landuse_2023_classes() -> dict[str, dict]:
    """2023 用地用海 code -> colour and label; a code without a colour takes its parent's."""
    table: dict[str, dict] = {}
    for code, entry in sorted(_load("landuse_2023.toml").items(), key=lambda kv: len(kv[0])):
        colour = entry.get("color") or table[code[:2] if len(code) == 4 else code[:4]]["color"]
        table[code] = {"color": colour, "label": entry["label"]}
    return table


@cache
def _landuse_2023_by_name() -> dict[str, str]:
    return {entry["label"]: code for code, entry in landuse_2023_classes().items()}


def landuse_2023_class(value: object) -> dict | None:
    """Colour and legend label of a 2023 code ("0701", "070101") or class name ("城镇住宅用地").

    Only text counts: the guide's codes are zero-padded strings in every database, so a numeric
    property (floors: 12) is never mistaken for a class. Levels below the table's take the
    colour and name of their nearest listed parent.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in _landuse_2023_by_name():
        text = _landuse_2023_by_name()[text]
    if not (text.isascii() and text.isdigit() and len(text) in (2, 4, 6)):
        return None
    table = landuse_2023_classes()
    for size in (len(text), 4, 2):
        if entry := table.get(text[:size]):
            return {"color": entry["color"], "label": f"{text} {entry['label']}"}
    return None


def _gb50137_class(value: object) -> dict | None:
    letter = str(value).strip().upper()[:1]
    return dict(landuse_classes()[letter]) if letter in landuse_classes() else None


def auto_style(properties: list[dict], prop: str | None, *, color: str = "#3388ff") -> dict:
    """A style rule for a layer: by `prop` when given (land-use or palette colours), else single."""
    if not prop:
        return {"color": color}
    raw: dict[str, object] = {}
    for p in properties:
        raw.setdefault(str(p.get(prop, "")), p.get(prop))
    values = sorted(raw)[:MAX_CLASSES]
    for lookup in (landuse_2023_class, _gb50137_class):
        found = {v: lookup(raw[v]) for v in values}
        if values and all(found.values()):
            classes = found
            break
    else:
        classes = {
            v: {"color": PALETTE[i % len(PALETTE)], "label": v or "—"} for i, v in enumerate(values)
        }
    return {"property": prop, "classes": classes, "default": {"color": "#888888", "label": "—"}}
