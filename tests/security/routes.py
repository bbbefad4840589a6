"""Walk `app.url_map`: every rule, filled with the ids of a World's objects.

New routes are picked up automatically. A rule whose arguments this module cannot fill makes
`targets_for` raise, so a new kind of object id fails the security tests until it is added here
(rather than being skipped in silence).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from geoalchemy2 import Geometry

from crowdplan.extensions import db
from tests.security.world import World

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Files, not pages: the app's own stylesheet/scripts and the vendored Leaflet. Public by design.
FILE_ENDPOINTS = frozenset({"static", "vendor.asset"})

# Tables a GET may write by design: per-day view counts and hashed unique visitors (DOMAIN.md,
# view counting), and the audit log (authorisation failures are recorded, issue 8 item 9).
COUNTING_TABLES = frozenset({"view_counts", "unique_visitors", "audit_records"})

# Values for `<action>` arguments, per endpoint.
ACTIONS: dict[str, tuple[str, ...]] = {
    "plans_staff.lifecycle": ("new-version", "close", "results"),
    "triage.act": ("note", "reply", "status", "transfer", "merge", "close", "callback"),
}


@dataclass(frozen=True)
class Target:
    """One way to fill a rule: URL values and what the object is (for the expected outcome)."""

    label: str
    values: dict = field(default_factory=dict)
    dept: str | None = None  # "A" (the demo staff's department), "B" (the other one) or None
    public: bool = True  # whether the object is visible to the public
    owner: str | None = None  # "citizen" (the demo citizen) or "other" (someone else)
    results: bool = False  # a plan whose results (and adoption report) are published


def plans_targets(w: World) -> list[Target]:
    return [
        Target("plan A in notice", {"plan_id": w.plan_a}, "A"),
        Target("plan A results", {"plan_id": w.plan_results}, "A", results=True),
        Target("plan B in notice", {"plan_id": w.plan_b}, "B"),
        Target("plan B draft", {"plan_id": w.plan_b_draft}, "B", public=False),
    ]


def suggestion_targets(w: World) -> list[Target]:
    return [
        Target("suggestion A (other)", {"suggestion_id": w.sug_a}, "A", owner="other"),
        Target("suggestion B (other)", {"suggestion_id": w.sug_b}, "B", owner="other"),
        Target("suggestion B held", {"suggestion_id": w.sug_b_held}, "B", False, "other"),
        Target("own suggestion", {"suggestion_id": w.sug_own}, "A", owner="citizen"),
    ]


def targets_for(rule, w: World) -> list[Target]:
    """Every way the security tests fill this rule's arguments."""
    args = set(rule.arguments)
    if not args:
        return [Target("page")]
    if args == {"plan_id"}:
        return plans_targets(w)
    if args == {"plan_id", "doc_id"}:
        return [
            Target("document of plan B", {"plan_id": w.plan_b, "doc_id": w.doc_b}, "B"),
            Target(
                "document of plan B draft",
                {"plan_id": w.plan_b_draft, "doc_id": w.doc_b_draft},
                "B",
                public=False,
            ),
            # A document id under another plan's URL: must not leak the draft's document.
            Target("draft doc under plan B", {"plan_id": w.plan_b, "doc_id": w.doc_b_draft}, "B",
                   public=False),
        ]  # fmt: skip
    if args == {"suggestion_id"}:
        return suggestion_targets(w)
    if "action" in args and args - {"action"} in ({"plan_id"}, {"suggestion_id"}):
        if rule.endpoint not in ACTIONS:
            raise LookupError(f"{rule.rule}: add its <action> values to ACTIONS")
        base = plans_targets(w) if "plan_id" in args else suggestion_targets(w)
        return [
            Target(
                f"{t.label} {a}", {**t.values, "action": a}, t.dept, t.public, t.owner, t.results
            )
            for t in base
            for a in ACTIONS[rule.endpoint]
        ]
    # Open311 routes carry the format in the URL; JSON and XML answer alike, JSON is walked.
    if args == {"fmt"}:
        return [Target("json", {"fmt": "json"}), Target("xml", {"fmt": "xml"})]
    if args == {"service_code", "fmt"}:
        return [Target("service parking", {"service_code": "parking", "fmt": "json"})]
    if args == {"service_request_id", "fmt"}:
        return [
            Target(f"open311 {t.label}", {"service_request_id": t.values["suggestion_id"],
                   "fmt": "json"}, t.dept, t.public, t.owner, t.results)
            for t in suggestion_targets(w)
        ]  # fmt: skip
    simple = {
        "key_id": lambda: Target("api key", {"key_id": w.api_key}),
        "rule_id": lambda: Target("routing rule", {"rule_id": w.rule}),
        "word_id": lambda: Target("word", {"word_id": w.word}),
        "adcode": lambda: Target("area", {"adcode": w.adcode}),
        "token": lambda: Target("guessed token", {"token": "x" * 32}, public=False),
        "code": lambda: Target("language", {"code": "en"}),
        "year": lambda: Target("calendar year", {"year": 2026}),
        "department_id": lambda: Target("department A", {"department_id": w.dept_a}),
        "topic_id": lambda: Target("a topic", {"topic_id": w.topic}),
    }  # fmt: skip
    if len(args) == 1 and next(iter(args)) in simple:
        return [simple[next(iter(args))]()]
    if args == {"name"} and rule.endpoint == "suggestions.photo":
        return [
            Target("photo of suggestion B", {"name": w.photo_b}, "B"),
            Target("photo of held suggestion B", {"name": w.photo_b_held}, "B", public=False),
        ]
    raise LookupError(f"{rule.rule}: the security walker cannot fill {sorted(args)}")


def app_rules(app, *, methods=None):
    """Rules of the app (files excluded), optionally only those allowing one of `methods`."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in FILE_ENDPOINTS]
    if methods:
        rules = [r for r in rules if set(r.methods) & set(methods)]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def build_path(rule, values: dict) -> str:
    """The path of `rule` filled with `values`."""
    _domain, path = rule.build(values, append_unknown=False)
    return path


def fingerprint(*, skip=COUNTING_TABLES) -> dict[str, str]:
    """A digest of every row of every table (geometry columns left out), per table."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        cols = [c for c in table.columns if not isinstance(c.type, Geometry)]
        rows = db.session.execute(sa.select(*cols).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    db.session.rollback()  # end the read transaction: the app's requests must see fresh data
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Names of tables whose digest differs."""
    return sorted(name for name in before if before[name] != after.get(name))
