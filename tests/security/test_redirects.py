"""The redirect corpus: hundreds of ways to write another site are refused on every `next`
(sign-in, language switch), and plain paths on this site still work."""

from __future__ import annotations

from itertools import product
from urllib.parse import quote

from crowdplan.redirects import is_safe_target
from tests.conftest import csrf_from

HOSTS = ("evil.example", "evil.example:8443", "user:pw@evil.example", "xn--e1afmkfd.example",
         "еvil.example", "evil。example", "127.0.0.1", "[::1]")  # fmt: skip
PREFIXES = ("//", "/\\", "\\\\", "\\/", "///", "/\t/", "/\n/", "/\r/", " //", "\t//",
            "http://", "https://", "HTTPS://", "http:", "https:/", "javascript:",
            "%2F%2F", "/%2F", "%2F/", "/%5C", "%5C%5C", "/%09/", "/%0A/", "/%0D/",
            "%252F%252F", "/%252F", "/%255C", "／／", "\\\\?\\", "/\x00/", "/%00/",
            "//%2F", "/ /")  # fmt: skip
EXTRA = ("http://evil.example", "//evil.example/%2e%2e", "data:text/html,<script>",
         "javascript:alert(1)", "/%E2%80%AE//evil.example", "\x7f//evil.example",
         "/\u3000/evil.example", "%", "/%FF", "mailto:x@evil.example",
         "/%252F%252Fevil.example", "/%25252F%25252Fevil.example", "/" + "a" * 3000)  # fmt: skip


def corpus() -> list[str]:
    forms = [prefix + host for prefix, host in product(PREFIXES, HOSTS)]
    forms += [quote(f, safe="") for f in forms[::7]]  # whole forms encoded once more
    return sorted(set(forms + list(EXTRA)))


SAFE = ("/", "/plans/", "/suggestions?q=%E5%81%9C%E8%BD%A6%20%E4%BD%8D", "/plans/3?version=2",
        "/suggestions/12#replies", "/%E5%81%9C")  # fmt: skip


def test_the_corpus_is_large_and_refused_by_the_helper():
    forms = corpus()
    assert len(forms) >= 200
    assert [f for f in forms if is_safe_target(f)] == []
    assert [s for s in SAFE if not is_safe_target(s)] == []


def _qs(target: str) -> str:
    return quote(target, safe="")


def _refused(response, expected: str = "/") -> bool:
    # A redirect home, or a 400 for a character no request may carry (NUL).
    if response.status_code == 400:
        return "Location" not in response.headers
    return response.status_code == 302 and response.headers["Location"] == expected


def test_language_switch_refuses_every_form(client):
    wrong = []
    for target in corpus():
        with client.get(f"/lang/en?next={_qs(target)}") as r:
            if not _refused(r):
                wrong.append((target, r.status_code, r.headers.get("Location")))
    assert wrong == []
    for target in SAFE:
        with client.get(f"/lang/en?next={_qs(target)}") as r:
            assert r.headers["Location"] == target


def test_sign_in_refuses_every_form(demo, app):
    from werkzeug.security import generate_password_hash

    from crowdplan.auth.operations import get_user_by_login
    from crowdplan.extensions import db, limiter

    with app.app_context():  # a quick hash: this test is about the redirect, not the hash
        user = get_user_by_login("citizen@demo.crowdplan")
        user.password_hash = generate_password_hash("pw-for-redirects", "pbkdf2:sha256:1")
        db.session.commit()
    login = {"login": "citizen@demo.crowdplan", "password": "pw-for-redirects"}
    wrong = []
    for target in [*corpus(), SAFE[1]]:
        limiter.reset()  # a few hundred sign-ins from one address: the corpus, not the limit
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        with client.post(f"/login?next={_qs(target)}", data={**login, "csrf_token": token}) as r:
            if not _refused(r, SAFE[1] if target == SAFE[1] else "/"):
                wrong.append((target, r.status_code, r.headers.get("Location")))
    assert wrong == []
