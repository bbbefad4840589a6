"""Every GET of the url_map (every parameterless page and every object page, as a visitor, a
citizen and an admin): no state change (issue 8 item 1), a Content-Security-Policy without
'unsafe-inline' in script-src on every HTML page (item 2), and the other protective headers."""

from __future__ import annotations

from tests.security.routes import app_rules, build_path, fingerprint, targets_for
from tests.security.test_authz_matrix import QUERIES

WALKERS = ("anonymous", "citizen", "admin")


def _get_everything(app, world, role_clients):
    for role in WALKERS:
        for rule in app_rules(app, methods=("GET",)):
            for t in targets_for(rule, world):
                values = {k: v for k, v in t.values.items() if k in rule.arguments}
                path = build_path(rule, values) + QUERIES.get(rule.endpoint, "")
                with role_clients[role].client.get(path) as response:
                    yield role, path, response


def _script_src(csp: str) -> str:
    for directive in csp.split(";"):
        name, _sep, value = directive.strip().partition(" ")
        if name == "script-src":
            return value
    for directive in csp.split(";"):
        name, _sep, value = directive.strip().partition(" ")
        if name == "default-src":
            return value
    return "*"


def test_no_get_changes_any_row(app, world, role_clients):
    with app.app_context():
        before = fingerprint(skip=frozenset())
    pages = sum(1 for _ in _get_everything(app, world, role_clients))
    with app.app_context():
        after = fingerprint(skip=frozenset())
    # View counting is the one designed write on GET (per-day counts, hashed visitors); the
    # audit log may record refused requests. Nothing else may move.
    changed = sorted(t for t in before if before[t] != after[t])
    assert pages > 150
    assert set(changed) <= {"view_counts", "unique_visitors", "audit_records"}, changed
    assert "view_counts" in changed  # the walk did reach the plan and suggestion pages


def test_every_html_page_has_a_strict_csp(app, world, role_clients):
    wrong, html_pages, statuses = [], 0, set()
    for role, path, response in _get_everything(app, world, role_clients):
        headers = response.headers
        if headers.get("X-Content-Type-Options") != "nosniff":
            wrong.append(f"{role} {path}: no nosniff")
        if response.mimetype != "text/html":
            continue
        html_pages += 1
        statuses.add(response.status_code)
        csp = headers.get("Content-Security-Policy", "")
        script_src = _script_src(csp)
        if not csp or "'unsafe-inline'" in script_src or "*" in script_src.split():
            wrong.append(f"{role} {path} -> {response.status_code}: script-src {script_src!r}")
        elif "'unsafe-eval'" in script_src or "data:" in script_src:
            wrong.append(f"{role} {path}: script-src allows eval or data: {script_src!r}")
        if "frame-ancestors 'none'" not in csp and headers.get("X-Frame-Options") != "DENY":
            wrong.append(f"{role} {path}: may be framed")
        if "object-src 'none'" not in csp or "base-uri" not in csp:
            wrong.append(f"{role} {path}: no object-src 'none' or base-uri")
        body = response.get_data(as_text=True)
        nonce = script_src.split("'nonce-")[1].split("'")[0] if "'nonce-" in script_src else None
        for tag in body.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            if "src=" not in opening and (nonce is None or f'nonce="{nonce}"' not in opening):
                wrong.append(f"{role} {path}: inline script without this response's nonce")
    assert html_pages > 100 and {200, 403, 404} <= statuses  # pages and error pages alike
    assert wrong == [], "\n".join(wrong)
