"""The adoption report of a plan (意见采纳情况及理由) and anonymised open data.

Public output never carries contact details or author identity, and text is masked (PIPL).
Dates are the bureau's local dates (crowdplan.dates), never UTC dates.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from itertools import groupby

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from crowdplan import dates
from crowdplan.core.models import Area, Topic
from crowdplan.extensions import db
from crowdplan.labels import decision_label, stance_label, status_label
from crowdplan.stats.figures import participation
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.public import public, public_view
from crowdplan.suggestions.queries import SuggestionFilters, lonlat
from crowdplan.triage import figures as measures
from crowdplan.triage.models import SuggestionEvent
from crowdplan.triage.workflow import Decision, Status

# Machines read the code columns; people read the *_name words next to them. Add, never remove.
FIELDS = [
    "id", "date", "topic", "topic_name", "stance", "status", "decision", "decision_reason",
    "area", "area_name", "plan_id", "supports", "text", "lon", "lat",
    "stance_name", "status_name", "decision_name", "merged_into", "reply", "replied_on",
]  # fmt: skip
DECISIONS = [d.value for d in Decision]
# A spreadsheet runs a cell that starts with one of these (CSV injection, OWASP); full-width forms
# too, which some input methods type and some spreadsheets read as the ASCII ones.
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def outcome_name(decision: str | None, status: str) -> str:
    """The word for where an opinion ended: its decision, 不予受理, or 未决定."""
    if decision:
        return decision_label(decision)
    if status == Status.NOT_ACCEPTED:
        return status_label(status)
    return _("Undecided")


def _refusal_reasons(ids: list[int]) -> dict[int, str]:
    """Why each not-accepted suggestion was refused (the reason given with the move)."""
    if not ids:
        return {}
    query = (
        select(SuggestionEvent.suggestion_id, SuggestionEvent.reason)
        .where(
            SuggestionEvent.suggestion_id.in_(ids),
            SuggestionEvent.to_status == Status.NOT_ACCEPTED.value,
        )
        .order_by(SuggestionEvent.id)
    )
    return {sid: reason for sid, reason in db.session.execute(query) if reason}


def _rows(query) -> list[dict]:
    topics = {t.id: t for t in db.session.scalars(select(Topic))}
    areas = {a.adcode: a for a in db.session.scalars(select(Area).where(Area.valid_to.is_(None)))}
    suggestions = list(db.session.scalars(query))
    refused = _refusal_reasons([s.id for s in suggestions if s.status == Status.NOT_ACCEPTED])
    return [_row(s, topics, areas, refused) for s in suggestions]


def _row(s: Suggestion, topics: dict, areas: dict, refused: dict[int, str]) -> dict:
    lon, lat = lonlat(s)
    area = areas.get(s.routing_area_adcode or "")
    words = public_view(s)
    replied_on = dates.local_date(s.replied_at)
    return {
        "id": s.id,
        "date": dates.local_date(s.created_at).isoformat(),
        "topic": topics[s.topic_id].code,
        "topic_name": topics[s.topic_id].name,
        "stance": s.stance,
        "status": s.status,
        # None, not "": a column keeps one type, so GIS tools read it cleanly.
        "decision": s.decision,
        "decision_reason": words.decision_reason or public(refused.get(s.id)),
        "area": s.routing_area_adcode,
        "area_name": area.name if area else None,
        "plan_id": s.plan_id,
        "supports": s.support_count,
        "text": words.text,
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "stance_name": stance_label(s.stance),
        "status_name": status_label(s.status),
        "decision_name": outcome_name(s.decision, s.status),
        "merged_into": s.merged_into_id,
        "reply": words.reply,
        "replied_on": replied_on.isoformat() if replied_on else None,
    }


def plan_report(plan_id: int) -> list[dict]:
    """Every counted opinion on the plan, once each (merged ones too), by topic then area."""
    query = (
        select(Suggestion)
        .where(Suggestion.plan_id == plan_id, measures.counted())
        .order_by(Suggestion.topic_id, Suggestion.routing_area_adcode, Suggestion.id)
    )
    return _rows(query)


def group_rows(rows: list[dict]) -> list[tuple[str, list[tuple[str, list[dict]]]]]:
    """[(topic name, [(area name, rows), ...]), ...] in the report's order."""
    outside = _("Not in any area")
    return [
        (
            topic,
            [
                (area or outside, list(items))
                for area, items in groupby(topic_rows, key=lambda r: r["area_name"])
            ],
        )
        for topic, topic_rows in groupby(rows, key=lambda r: r["topic_name"])
    ]


def plan_summary(plan, version, now: datetime) -> dict:
    """The report's head: who, what, when, how many took part and how each opinion ended."""
    where = (Suggestion.plan_id == plan.id,)
    t = measures.tally(*where, now=now)
    per_decision = dict(
        db.session.execute(
            select(Suggestion.decision, func.count())
            .where(measures.accepted(), measures.decided(), *where)
            .group_by(Suggestion.decision)
        ).all()
    )
    people, organisations, members = participation(*where)
    return {
        "bureau": current_app.config["BUREAU_NAME"],
        "title": version.title,
        "plan_type": plan.plan_type.label,
        "department": plan.department.label,
        "version": version.number,
        "fingerprint": version.fingerprint or "—",
        "notice_first_day": dates.local_date(version.notice_opens_at),
        "notice_last_day": dates.last_day(version.closes_at()),
        "report_date": dates.local_date(now),
        "people": people,
        "organisations": organisations,
        "members_represented": members,
        "received": t["counted"],
        "not_accepted": t["counted"] - t["accepted"],
        "merged": t["merged"],
        "decisions": [(decision_label(d), d, int(per_decision.get(d, 0))) for d in DECISIONS]
        + [(_("Undecided"), "undecided", t["undecided"])],
    }


def open_data(filters: SuggestionFilters, *, limit: int = 50_000) -> list[dict]:
    """Published suggestions matching the filters, anonymised."""
    query = filters.apply(select(Suggestion)).order_by(Suggestion.id).limit(limit)
    return _rows(query)


def as_csv(rows: list[dict]) -> str:
    """UTF-8 CSV with a BOM, so Excel on Chinese Windows opens it correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
    return out.getvalue()


def safe_cell(value):
    """A cell a spreadsheet shows and never runs: text that starts a formula gets a leading '.

    Numbers stay numbers (a negative longitude is not a formula), and so does text that is only
    a number; everything else starting with =, +, -, @, a tab or CR is prefixed (OWASP).
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    return value if _NUMBER.fullmatch(value) else "'" + value


def as_geojson(rows: list[dict]) -> dict:
    """A FeatureCollection of points (WGS84) with the same properties as the CSV."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {k: v for k, v in row.items() if k not in ("lon", "lat")},
            }
            for row in rows
        ],
    }
