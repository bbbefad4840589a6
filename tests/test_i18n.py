"""The Chinese catalogue is complete and matches the strings in the code."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "crowdplan/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
METHODS = [("crowdplan/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _catalogue():
    with CATALOGUE.open("rb") as fh:
        return read_po(fh)


def _ids(message_id):
    return message_id[0] if isinstance(message_id, tuple) else message_id


def test_every_chinese_message_is_translated_and_not_fuzzy():
    catalogue = _catalogue()
    missing = [
        _ids(m.id)
        for m in catalogue
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue():
    catalogue = {_ids(m.id) for m in _catalogue() if m.id}
    in_code = {
        _ids(message)
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT, METHODS, keywords=KEYWORDS
        )
    }
    assert len(in_code) > 100  # the extractor really read the code
    assert sorted(in_code - catalogue) == []


HAN = re.compile(r"[\u4e00-\u9fff]")
EVENT_ACTIONS = [
    "routed",
    "accept",
    "start",
    "status",
    "transfer",
    "reroute",
    "merge",
    "not_accept",
    "reply",
    "close",
    "rate",
    "reopen",
    "rectify",
    "callback",
    "deadline",
    "note",
]


def _recorded_actions() -> set[str]:
    """Every literal action passed to audit.record in the code, plus the generated families."""
    source = "\n".join(p.read_text() for p in (ROOT / "crowdplan").rglob("*.py"))
    found = set(re.findall(r"\brecord\(\s*\"([a-z_]+)\"", source))
    found |= {f"suggestion_{a}" for a in EVENT_ACTIONS}
    found |= {f"moderation_{a}" for a in ("approve", "hide", "edit")}
    assert {"plan_published", "routing_rule_saved", "auto_hidden"} <= found
    return found


def test_every_label_has_chinese_words(app):
    from crowdplan import labels as triage
    from crowdplan.audit import labels as audit
    from crowdplan.plans.models import Stage
    from crowdplan.suggestions.models import Visibility
    from crowdplan.triage.workflow import CallbackOutcome, Decision, Rating, Status

    cases = [
        (triage.status_label, list(Status)),
        (triage.decision_label, list(Decision)),
        (triage.rating_label, list(Rating)),
        (triage.callback_outcome_label, list(CallbackOutcome)),
        (triage.stance_label, ["support", "oppose", "suggest"]),
        (triage.flag_label, ["near_boundary", "several_areas", "no_area"]),
        (triage.event_label, EVENT_ACTIONS),
        (audit.audit_action_label, sorted(_recorded_actions())),
        (audit.visibility_label, list(Visibility)),
        (audit.stage_label, list(Stage)),
        (audit.review_mode_label, ["all", "flagged", "none"]),
        (audit.review_reason_label, ["review_all", "blocked_words", "flags"]),
        (audit.object_type_label, ["suggestions", "plans", "routing_rules", "users", "api_keys"]),
    ]
    with app.test_request_context(), force_locale("zh_CN"):
        untranslated = [
            (f.__name__, code) for f, codes in cases for code in codes if not HAN.search(f(code))
        ]
        assert triage.event_label("brand_new_step") == "Brand new step"  # readable, no crash
        assert audit.audit_action_label(None) == ""
    assert untranslated == []
