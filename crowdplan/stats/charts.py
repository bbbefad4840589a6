"""Charts for /stats as inline SVG drawn on the server with pygal: no chart library, no CDN.

pygal embeds a small configuration script meant for its optional tooltips, which it would
fetch from the web; the charts draw without it, so it is removed (the page's CSP would refuse
it anyway).
"""

from __future__ import annotations

import re

import pygal
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#ccc",
    font_family="'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif",
    colors=("#1f6feb", "#2da44e", "#bf8700"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)


def _svg(chart) -> Markup:
    svg = chart.render(is_unicode=True)
    return Markup(_SCRIPT.sub("", svg))  # noqa: S704  (pygal's own output; labels are ours)


def _chart(kind, title: str, labels: list[str], series: dict[str, list[int]], **options) -> Markup:
    top = max((max(values, default=0) for values in series.values()), default=0)
    step = max(1, -(-top // 5))  # whole numbers only: these are counts
    chart = kind(
        js=[],
        style=STYLE,
        width=900,
        height=300,
        disable_xml_declaration=True,
        show_minor_x_labels=False,
        truncate_label=-1,
        legend_at_bottom=True,
        truncate_legend=-1,
        print_values=False,
        y_labels=list(range(0, max(top, 1) + step, step)),
        **options,
    )
    chart.title = title
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 6)]
    for name, values in series.items():
        chart.add(name, values)
    return _svg(chart)


def daily(rows: list[dict]) -> Markup:
    """Suggestions and replies per day (bars)."""
    labels = [r["day"][5:] for r in rows]  # MM-DD
    series = {
        _("Suggestions"): [r["suggestions"] for r in rows],
        _("Replies"): [r["replies"] for r in rows],
    }
    return _chart(pygal.Bar, _("Per day, last 30 days"), labels, series)


def weekly(rows: list[dict]) -> Markup:
    """Suggestions and replies per week (lines)."""
    labels = [r["week"][5:] for r in rows]
    series = {
        _("Suggestions"): [r["suggestions"] for r in rows],
        _("Replies"): [r["replies"] for r in rows],
    }
    return _chart(pygal.Line, _("Per week, weeks starting on Monday"), labels, series, dots_size=2)


def views(rows: list[dict]) -> Markup:
    """Plan page views per day (a line)."""
    labels = [r["day"][5:] for r in rows]
    series = {_("Plan views"): [r["views"] for r in rows]}
    return _chart(pygal.Line, _("Plan views per day, last 30 days"), labels, series, dots_size=2)
