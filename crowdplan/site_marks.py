"""The marks a Chinese government website shows in its footer, from configuration.

主办单位 (the site's owner), the ICP filing number (ICP备案号, linked to the MIIT filing site),
the public security filing number (公安机关备案号, linked to the MPS filing site) and the
government website identifier (网站标识码). Each is shown only when set. In development
(CROWDPLAN_FOOTER_DEMO) unset marks show placeholder values labelled as demo values, so the
footer can be seen without pretending to be a real filing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Placeholders, not numbers: an X cannot be mistaken for anyone's real filing. The demo
# 主办单位 is BUREAU_NAME.
DEMO_VALUES = {
    "ICP_NUMBER": "鄂ICP备XXXXXXXX号",
    "PSB_NUMBER": "鄂公网安备XXXXXXXXXXXXXX号",
    "SITE_CODE": "XXXXXXXXXX",
}


@dataclass(frozen=True)
class SiteMark:
    """One footer mark: which it is, its text, its link (or None), and whether it is a demo."""

    kind: str
    text: str
    url: str | None = None
    is_demo: bool = False


def footer_marks(config) -> list[SiteMark]:
    """The configured marks in the order government sites show them."""
    demo = bool(config.get("CROWDPLAN_FOOTER_DEMO"))
    marks = []
    for kind in ("SITE_OWNER", "SITE_CODE", "ICP_NUMBER", "PSB_NUMBER"):
        text = (config.get(kind) or "").strip()
        is_demo = not text and demo
        if is_demo:
            text = config.get("BUREAU_NAME") if kind == "SITE_OWNER" else DEMO_VALUES[kind]
        if text:
            marks.append(SiteMark(kind, text, _link(config, kind, text), is_demo))
    return marks


def _link(config, kind: str, text: str) -> str | None:
    if kind == "ICP_NUMBER":
        return config.get("ICP_URL") or None
    if kind == "PSB_NUMBER" and config.get("PSB_URL"):
        # The MPS site finds a filing by its digits (鄂公网安备42120202000123号 -> 42120202000123).
        return config["PSB_URL"].replace("{code}", "".join(re.findall(r"\d", text)))
    return None


def template_marks() -> dict:
    """`site_marks` for every template (base.html's footer)."""
    from flask import current_app

    return {"site_marks": footer_marks(current_app.config)}
