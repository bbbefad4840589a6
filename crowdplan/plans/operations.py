"""Plan operations: drafts, layers, documents, publication, versions. They flush; callers commit."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import mapping
from sqlalchemy import select

from crowdplan import dates
from crowdplan.audit.models import record
from crowdplan.core.models import Area, Department, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.geo.validate import MAX_VERTICES, parse_feature_collection
from crowdplan.plans.documents import check_document
from crowdplan.plans.models import (
    Document,
    Layer,
    LayerFeature,
    Plan,
    PlanType,
    PlanVersion,
    Stage,
)
from crowdplan.plans.styles import auto_style

LAYER_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
MAX_LAYER_BYTES = 20 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
DEFAULT_COLOR = "#3388ff"


def list_plan_types() -> list[PlanType]:
    """Plan types in display order."""
    return list(db.session.scalars(select(PlanType).order_by(PlanType.sort_order, PlanType.code)))


def get_plan(plan_id: int) -> Plan | None:
    """The plan with this id, or None."""
    return db.session.get(Plan, plan_id)


def create_plan(
    *,
    actor,
    plan_type: PlanType,
    department: Department,
    title: str,
    summary: str = "",
    areas: list[Area] = (),
    is_demo: bool = False,
) -> Plan:
    """A new plan with an empty draft version 1."""
    plan = Plan(plan_type=plan_type, department=department, areas=list(areas), is_demo=is_demo)
    plan.versions.append(PlanVersion(number=1, title=title.strip(), summary=summary))
    db.session.add(plan)
    db.session.flush()
    record("plan_created", plan, actor=actor, to_state=Stage.DRAFT)
    return plan


def _require_draft(version: PlanVersion) -> None:
    if version.is_frozen:
        raise AppError(
            _(
                "Version %(n)d is published and cannot be changed. Create a new version.",
                n=version.number,
            ),
            status=409,
            code="version_frozen",
        )


def update_draft(version: PlanVersion, *, actor, title: str, summary: str) -> PlanVersion:
    """Change a draft's title and summary; published versions are refused."""
    _require_draft(version)
    version.title, version.summary = title.strip(), summary
    record("plan_edited", version.plan, actor=actor)
    return version


def import_layer(
    version: PlanVersion,
    raw: bytes | str,
    *,
    name: str,
    style: dict | None = None,
    style_property: str | None = None,
    color: str = DEFAULT_COLOR,
    actor=None,
    progress: Callable[[int], None] = lambda _n: None,
) -> Layer:
    """Validate a GeoJSON FeatureCollection and store it as a layer of a draft version.

    The style is given, or derived: coloured by `style_property` when named, else `color`.
    """
    _require_draft(version)
    features = parse_feature_collection(
        raw, allowed_types=LAYER_TYPES, max_bytes=MAX_LAYER_BYTES, max_vertices=MAX_VERTICES
    )
    if style is None:
        style = auto_style([f.properties for f in features], style_property, color=color)
    layer = Layer(name=name.strip(), style=style, sort_order=len(version.layers))
    for feature in features:
        layer.features.append(
            LayerFeature(
                properties=feature.properties, geom=from_shape(feature.geometry, srid=spatial.SRID)
            )
        )
        progress(1)
    version.layers.append(layer)
    db.session.flush()
    record("layer_imported", version.plan, actor=actor, reason=f"{layer.name}: {len(features)}")
    return layer


def add_document(version: PlanVersion, *, filename: str, data: bytes, actor=None) -> Document:
    """Store a PDF (checked by content) outside static/ under a random name."""
    _require_draft(version)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise AppError(
            _("The document is larger than %(mb)d MB.", mb=MAX_DOCUMENT_BYTES // 2**20),
            status=413,
            code="too_large",
        )
    check_document(filename, data)
    stored = secrets.token_hex(16) + ".pdf"
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    safe_name = Path(filename or "document.pdf").name[:200] or "document.pdf"
    doc = Document(
        filename=safe_name,
        stored_name=stored,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    version.documents.append(doc)
    db.session.flush()
    record("document_added", version.plan, actor=actor, reason=safe_name)
    return doc


def document_path(doc: Document) -> Path:
    """Where a document's bytes are kept."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "documents" / doc.stored_name


def publish(
    version: PlanVersion,
    *,
    opens_at: datetime,
    closes_at: datetime,
    actor,
    now: datetime | None = None,
) -> PlanVersion:
    """Freeze a draft and open its public notice window (which may start in the future)."""
    now = now or utcnow()
    _require_draft(version)
    minimum = version.plan.plan_type.min_notice_days
    if closes_at <= opens_at:
        raise AppError(_("The notice must close after it opens."), code="bad_window")
    if closes_at - opens_at < timedelta(days=minimum):
        raise AppError(
            _(
                "A %(type)s must be in public notice for at least %(n)d days.",
                type=version.plan.plan_type.label,
                n=minimum,
            ),
            code="window_too_short",
        )
    if closes_at <= now:
        raise AppError(_("The notice window is already over."), code="bad_window")
    if opens_at < now - timedelta(days=2):
        # A backdated opening would shorten the period the public really had.
        raise AppError(_("The notice cannot open in the past."), code="bad_window")
    version.notice_opens_at, version.notice_closes_at = opens_at, closes_at
    version.fingerprint = fingerprint(version)
    version.published_at = now
    _hand_over_notice(version, actor=actor)
    record(
        "plan_published",
        version.plan,
        actor=actor,
        from_state=Stage.DRAFT,
        to_state=version.stage(now),
    )
    return version


def _hand_over_notice(new: PlanVersion, *, actor) -> None:
    """An earlier version's notice runs until the new version's notice opens, then ends.

    The public keeps commenting on what is in notice now, and no two windows overlap, so "the
    version in notice" stays one version (see Plan.version_at). The earlier window is recorded
    as closed early at the hand-over; its fingerprint (scheduled window) is unchanged.
    """
    for old in new.plan.versions:
        if old is new or old.published_at is None or old.closes_at() <= new.notice_opens_at:
            continue
        old.closed_early_at = max(new.notice_opens_at, old.notice_opens_at)
        record(
            "notice_handed_over",
            new.plan,
            actor=actor,
            reason=f"v{old.number} → v{new.number}",
        )


def notice_window(opens_on: date, closes_on: date) -> tuple[datetime, datetime]:
    """Instants of a notice from its first and last day (inclusive), in the bureau's time zone."""
    if opens_on < dates.local_date(utcnow()):
        raise AppError(_("The notice cannot open in the past."), code="bad_window")
    return dates.start_of_day(opens_on), dates.end_of_day_exclusive(closes_on)


def close_early(
    version: PlanVersion, *, actor, reason: str, now: datetime | None = None
) -> PlanVersion:
    """End commenting before the scheduled close, never before the legal minimum."""
    now = now or utcnow()
    stage = version.stage(now)
    if stage is not Stage.NOTICE:
        raise AppError(
            _("Only a plan in public notice can be closed."), status=409, code="bad_stage"
        )
    earliest = version.notice_opens_at + timedelta(days=version.plan.plan_type.min_notice_days)
    if now < earliest:
        raise AppError(
            _(
                "The notice must stay open through %(date)s, the legal minimum.",
                date=dates.iso_day(dates.last_day(earliest)),
            ),
            status=409,
            code="too_early",
        )
    version.closed_early_at = now
    record(
        "notice_closed",
        version.plan,
        actor=actor,
        from_state=stage,
        to_state=Stage.CLOSED,
        reason=reason,
    )
    return version


def publish_results(version: PlanVersion, *, actor, now: datetime | None = None) -> PlanVersion:
    """Make the adoption results public once the notice has closed. Callers go through
    `crowdplan.triage.operations.publish_results`, which first checks every opinion is decided."""
    now = now or utcnow()
    stage = version.stage(now)
    if stage is not Stage.CLOSED:
        raise AppError(
            _("Results can be published only after the notice has closed."),
            status=409,
            code="bad_stage",
        )
    version.results_published_at = now
    record("results_published", version.plan, actor=actor, from_state=stage, to_state=Stage.RESULTS)
    return version


def new_version(plan: Plan, *, actor) -> PlanVersion:
    """A draft copy of the latest published version, for changes after publication."""
    source = plan.latest
    if not source.is_frozen:
        raise AppError(_("This plan already has a draft version."), status=409, code="draft_exists")
    draft = PlanVersion(number=source.number + 1, title=source.title, summary=source.summary)
    for layer in source.layers:
        copy = Layer(name=layer.name, style=dict(layer.style), sort_order=layer.sort_order)
        copy.features = [
            LayerFeature(properties=dict(f.properties), geom=f.geom) for f in layer.features
        ]
        draft.layers.append(copy)
    for doc in source.documents:
        draft.documents.append(
            Document(
                filename=doc.filename,
                stored_name=secrets.token_hex(16) + ".pdf",
                size=doc.size,
                sha256=doc.sha256,
            )
        )
        _copy_file(doc, draft.documents[-1])
    plan.versions.append(draft)
    db.session.flush()
    record("version_created", plan, actor=actor, reason=f"v{draft.number}")
    return draft


def _copy_file(source: Document, target: Document) -> None:
    # Each version owns its files, so a later deletion can never change a frozen version.
    document_path(target).write_bytes(document_path(source).read_bytes())


def fingerprint(version: PlanVersion) -> str:
    """SHA-256 over the version's canonical content: text, window, layers, document hashes."""
    content = {
        "title": version.title,
        "summary": version.summary,
        "notice": [_iso(version.notice_opens_at), _iso(version.notice_closes_at)],
        "layers": [
            {
                "name": layer.name,
                "style": layer.style,
                "features": [
                    {"properties": f.properties, "geometry": mapping(to_shape(f.geom))}
                    for f in layer.features
                ],
            }
            for layer in version.layers
        ],
        "documents": [[d.filename, d.sha256] for d in version.documents],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def comments_open(version: PlanVersion | None, now: datetime | None = None) -> bool:
    """Whether suggestions on this version are accepted right now."""
    return version is not None and version.stage(now or utcnow()) is Stage.NOTICE
