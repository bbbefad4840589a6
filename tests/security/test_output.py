"""Output (issue 8 item 7): autoescape everywhere, Markdown through nh3, no user text in an inline
script without encoding, and no user text evaluated as a template (folium/branca)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from crowdplan.extensions import db
from crowdplan.geo.maps import inert
from crowdplan.plans import operations as plans
from crowdplan.plans.models import Plan
from crowdplan.plans.queries import render_summary

ROOT = Path(__file__).resolve().parents[2]

# Every `|safe` in the templates, and why it is safe: folium's map markup and script, built by
# crowdplan.geo.maps from inert, escaped data (see test_template_syntax_in_map_data_is_text).
SAFE_ALLOWED = {
    ("templates/_map.html", "m.html|safe"),
    ("templates/_map.html", "m.script|safe"),
    ("templates/stats/display.html", "heat_map.html|safe"),
    ("templates/stats/display.html", "heat_map.script|safe"),
}


def test_safe_markup_and_autoescape_are_where_they_are_allowed(app):
    found = set()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert "autoescape false" not in text.replace(" ", " "), path
        for match in re.finditer(r"\{\{\s*([^}]*?)\s*\}\}", text):
            expr = match.group(1).replace(" ", "")
            if "|safe" in expr:
                found.add((str(path.relative_to(ROOT)), expr))
    assert found == SAFE_ALLOWED
    markup = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "crowdplan").rglob("*.py")
        if "Markup(" in p.read_text(encoding="utf-8")
    ]
    # render_summary: nh3's output only; charts: pygal's SVG of counts and our own labels.
    assert markup == ["crowdplan/plans/queries.py", "crowdplan/stats/charts.py"]
    assert app.jinja_env.autoescape("page.html") is True


def test_inline_scripts_are_only_the_map_scripts():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", text, re.S):
            assert tag.strip() in {"{{ m.script|safe }}", "{{ heat_map.script|safe }}"}, path


def test_markdown_is_sanitised_with_nh3():
    html = str(
        render_summary(
            "# T\n\n<script>alert(1)</script>[a](javascript:alert(2)) ![i](x)"
            '<img src=x onerror=alert(3)> <a href="https://example.org" onclick="x()">ok</a>'
            "\n\n**bold** [link](https://example.org/)"
        )
    )
    assert "<script" not in html and "javascript:" not in html
    assert "onerror" not in html and "onclick" not in html and "<img" not in html
    assert "<strong>bold</strong>" in html and 'href="https://example.org/"' in html


def test_inert_breaks_every_jinja_delimiter():
    value = inert({"{{k}}": ["{{ 1 }}", "{% x %}", "{# c #}", 7, "{ ok }"]})
    text = json.dumps(value, ensure_ascii=False)
    assert not re.search(r"\{[{%#]", text)
    assert value[inert("{{k}}")][3:] == [7, "{ ok }"]


def test_template_syntax_in_map_data_is_text(app, world, role_clients):
    """A layer name or a feature property with Jinja syntax: shown as text, never evaluated
    (before the fix: a 500, and '{{ lipsum.__globals__.os.getpid() }}' ran on the server)."""
    expression = "{{ 12345*6789 }}"
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": expression, "{% if 1 %}key{% endif %}": "{# x #}"},
                "geometry": {"type": "Point", "coordinates": [114.32, 29.84]},
            }
        ],
    }
    with app.app_context():
        plan = db.session.get(Plan, world.plan_b_draft)
        plans.import_layer(plan.latest, json.dumps(collection), name=expression)
        db.session.commit()
    with role_clients["admin"].client.get(f"/staff/plans/{world.plan_b_draft}") as page:
        body = page.get_data(as_text=True)
        assert page.status_code == 200
    assert str(12345 * 6789) not in body
    assert expression in body  # the legend, rendered by the page's own (autoescaping) Jinja
