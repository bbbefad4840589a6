"""Personal data however it is written: masked on every public channel; look-alikes kept.

The corpus (tests/pii_corpus.py) holds each written form with the value it hides; a channel
leaks when that value can be read back from its output folded the way a reader would fold it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from xml.etree import ElementTree as ET

from sqlalchemy import select

from crowdplan.auth.operations import get_user_by_login
from crowdplan.core.models import Department, Topic, utcnow
from crowdplan.extensions import db
from crowdplan.mail import read_outbox
from crowdplan.stats.report import safe_cell
from crowdplan.suggestions.privacy import contains_personal_data, mask_personal_data
from crowdplan.triage import operations as triage
from crowdplan.triage.models import Follow, SuggestionEvent
from tests.conftest import DEMO_LOGINS
from tests.factories import create_plan, create_suggestion, create_user
from tests.pii_corpus import FORMS, LOOK_ALIKES, leaks, missing_look_alikes

CORPUS = "\n".join(f"第{i}条：{form}；" for i, (form, _secret) in enumerate(FORMS))
LOOKS = "\n".join(f"第{i}项：{text}；" for i, text in enumerate(LOOK_ALIKES))
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_the_corpus_is_large_enough():
    assert len(FORMS) >= 60 and len(LOOK_ALIKES) >= 30


def test_every_form_is_masked_alone_and_together():
    alone = [form for form, _ in FORMS if leaks(mask_personal_data(f"请联系{form}谢谢"))]
    assert alone == []
    together = mask_personal_data(CORPUS)
    assert leaks(together) == [] and not BIDI & set(together)
    assert all(contains_personal_data(form) for form, _ in FORMS)
    assert leaks(CORPUS)  # the check itself finds the raw values


def test_look_alikes_are_left_exactly_as_written():
    assert [t for t in LOOK_ALIKES if mask_personal_data(t) != t] == []
    assert mask_personal_data(LOOKS) == LOOKS
    assert [t for t in LOOK_ALIKES if contains_personal_data(t)] == []


def test_masking_keeps_the_rest_of_the_text_and_is_idempotent():
    text = f"开头 {LOOKS}\n{CORPUS}\n结尾 ✓ 👨‍👩‍👧"
    masked = mask_personal_data(text)
    assert masked.startswith(f"开头 {LOOKS}\n") and masked.endswith("\n结尾 ✓ 👨‍👩‍👧")
    assert mask_personal_data(masked) == masked


def test_csv_cells_that_would_run_are_neutralised():
    for cell in ("=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1"):
        assert safe_cell(cell) == "'" + cell
    for cell in ("-5", "+3.5", "普通", "", None, -114.3, 7):
        assert safe_cell(cell) == cell


def _packs(limit: int) -> list[str]:
    """The forms packed into strings of at most `limit` characters (names and place labels)."""
    packs, current = [], ""
    for form, _ in FORMS:
        if current and len(current) + len(form) + 1 > limit:
            packs.append(current)
            current = ""
        current = f"{current} {form}" if current else form
    return [*packs, current]


def _world(app, outbox) -> tuple[int, list[int]]:
    """A plan with results and suggestions whose every public field carries the corpus."""
    formulas = '=HYPERLINK("http://x")\n+1\n-1+1\n@SUM(A1)\n\t=1'
    with app.app_context():
        department = db.session.scalar(select(Department).order_by(Department.id))
        topic = db.session.scalar(select(Topic).order_by(Topic.id))
        planner = get_user_by_login(DEMO_LOGINS["planner"])
        now = utcnow()
        plan = create_plan(
            department=department,
            title="隐私测试规划",
            opens_at=now - timedelta(days=40),
            closes_at=now - timedelta(days=10),
            results_at=now - timedelta(days=1),
        )
        names, places = _packs(80), _packs(120)
        ids = []
        for k in range(max(len(names), len(places))):
            s = create_suggestion(
                topic=topic,
                plan_id=plan.id,
                plan_version_id=plan.versions[0].id,
                text=f"{formulas}\n{CORPUS}\n{LOOKS}" if k == 0 else f"{CORPUS}\n{LOOKS}",
                display_name=names[k % len(names)],
                org_name=places[k % len(places)] if k == 1 else None,
                org_members=3 if k == 1 else None,
                place_label=places[k % len(places)],
                is_approximate=True,
                department_id=department.id,
                status="closed",
                reply_text=f"{CORPUS}\n{LOOKS}",
                replied_at=now,
                decision="adopted",
                decision_reason=f"{CORPUS}\n{LOOKS}",
                closed_at=now,
            )
            db.session.add(SuggestionEvent(suggestion_id=s.id, action="close", reason=CORPUS))
            ids.append(s.id)
        # One still open, answered through the lifecycle: its follower is mailed.
        followed = create_suggestion(
            topic=topic,
            plan_id=plan.id,
            text=CORPUS,
            department_id=department.id,
            status="assigned",
            routed_at=now,
            reply_due_at=now + timedelta(days=10),
        )
        follower = create_user(email="follower@example.cn", display_name="关注者")
        db.session.add(Follow(user_id=follower.id, suggestion_id=followed.id))
        db.session.commit()
        app.config["MAIL_OUTBOX"] = str(outbox)
        triage.reply(followed, actor=planner, text=f"{CORPUS}\n{LOOKS}")
        db.session.commit()
        return plan.id, [*ids, followed.id]


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_no_channel_shows_personal_data_however_written(demo, client, tmp_path):
    saved_outbox = demo.config["MAIL_OUTBOX"]
    try:
        plan_id, ids = _world(demo, tmp_path / "outbox")
    finally:
        demo.config["MAIL_OUTBOX"] = saved_outbox
    full: dict[str, str] = {}  # channels that show the whole text: look-alikes must survive
    short: dict[str, str] = {}  # channels that shorten it

    def get(url: str) -> str:
        with client.get(url) as response:
            assert response.status_code == 200, url
            return response.get_data(as_text=True)

    for sid in ids:
        full[f"detail {sid}"] = get(f"/suggestions/{sid}")
    short["list"] = get(f"/suggestions?plan={plan_id}")
    full["report"] = get(f"/plans/{plan_id}/report")
    short["display"] = get("/display")
    short["stats"] = get("/stats")
    api_list = json.loads(get(f"/api/v1/suggestions?plan={plan_id}&per_page=100"))
    assert len(api_list["items"]) == len(ids)
    full["api list"] = "\n".join(_strings(api_list))
    full["api detail"] = "\n".join(_strings(json.loads(get(f"/api/v1/suggestions/{ids[0]}"))))
    requests_json = json.loads(get("/open311/v2/requests.json"))
    assert {r["service_request_id"] for r in requests_json} >= {str(i) for i in ids}
    full["open311 json"] = "\n".join(_strings(requests_json))
    xml = ET.fromstring(get("/open311/v2/requests.xml").encode())
    full["open311 xml"] = "\n".join(e.text or "" for e in xml.iter())
    one = ET.fromstring(get(f"/open311/v2/requests/{ids[1]}.xml").encode())
    full["open311 xml one"] = "\n".join(e.text or "" for e in one.iter())
    for url in (f"/plans/{plan_id}/report.csv", "/api/v1/open/suggestions.csv"):
        rows = list(csv.reader(io.StringIO(get(url).lstrip("\ufeff"))))
        assert len(rows) > len(ids)
        cells = [cell for row in rows for cell in row]
        assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == [
            c for c in cells if c[:1] == "-" and c.lstrip("-").replace(".", "").isdigit()
        ]
        assert '\'=HYPERLINK("http://x")' in "\n".join(cells)
        full[url] = "\n".join(cells)
    for url in (f"/plans/{plan_id}/report.geojson", "/api/v1/open/suggestions.geojson"):
        full[url] = "\n".join(_strings(json.loads(get(url))))
    mails = read_outbox(tmp_path / "outbox")
    assert [m["To"] for m in mails] == ["follower@example.cn"]
    short["follower mail"] = "\n".join([mails[0]["Subject"], mails[0].get_body().get_content()])

    leaked = {name: leaks(body) for name, body in (full | short).items()}
    assert {name: found for name, found in leaked.items() if found} == {}
    with_bidi = [name for name, body in (full | short).items() if BIDI & set(body)]
    assert with_bidi == []
    lost = {name: missing_look_alikes(body) for name, body in full.items()}
    assert {name: gone for name, gone in lost.items() if gone} == {}
    # place_label, names and reasons were the fields that used to go out raw.
    assert "Approximate place" in full[f"detail {ids[0]}"] or "大致位置" in full[f"detail {ids[0]}"]
