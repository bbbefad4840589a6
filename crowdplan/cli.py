"""Command-line tools: `flask --app crowdplan <command>` (see README)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from crowdplan.auth import operations as accounts
from crowdplan.auth.permissions import Role
from crowdplan.core import operations as core
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.geo.validate import GeoJSONError, parse_feature_collection


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    from crowdplan.calendar.cli import calendar
    from crowdplan.notifications.cli import send_mail
    from crowdplan.retention import purge_contacts_command
    from crowdplan.security_cli import rotate_data_key, verify_audit

    for command in (
        load_areas,
        seed_demo,
        create_user,
        list_departments,
        import_plan_layer,
        reroute,
        escalate_overdue,
        send_mail,
        flush_counters,
        refresh_stats,
        create_api_key,
        rotate_data_key,
        verify_audit,
        calendar,
        purge_contacts_command,
    ):
        app.cli.add_command(command)


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@click.command("load-areas")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--make-valid", is_flag=True, help="Repair invalid polygons instead of refusing them."
)
def load_areas(path: Path, make_valid: bool) -> None:
    """Load jurisdiction areas from a GeoJSON FeatureCollection (idempotent by adcode)."""
    try:
        features = parse_feature_collection(path.read_bytes(), make_valid=make_valid)
        _require_properties(features, ("adcode", "name"))
    except GeoJSONError as exc:
        _fail(f"{path}: {exc}")
    with click.progressbar(length=len(features), label="Loading areas") as bar:
        report = core.load_areas(
            features,
            department_for=lambda p: core.get_department_by_code(p.get("department") or ""),
            progress=bar.update,
        )
    db.session.commit()
    click.echo(
        f"{report.created} created, {report.replaced} replaced, {report.unchanged} unchanged"
    )


def _require_properties(features, names: tuple[str, ...]) -> None:
    for feature in features:
        for name in names:
            if not str(feature.properties.get(name) or "").strip():
                raise GeoJSONError(
                    "missing_property", f"property {name!r} is missing", feature.index
                )


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo city Xianning: counties, departments, topics, one user per role."""
    from crowdplan.demo.seed import seed_demo as run

    counts = run()
    db.session.commit()
    click.echo(", ".join(f"{n} {name}" for name, n in counts.items()))


@click.command("create-user")
@with_appcontext
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name (default: the login).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CITIZEN.value)
@click.option("--department", "department_code", default=None, help="Department code (staff).")
def create_user(email, phone, password, display_name, role, department_code) -> None:
    """Create an account, e.g. a planner of a department."""
    department = None
    if department_code:
        department = core.get_department_by_code(department_code)
        if department is None:
            _fail(f"no department with code {department_code!r} (see list-departments)")
    try:
        user = accounts.create_user(
            email=email,
            phone=phone,
            password=password,
            display_name=display_name or email or phone or "",
            role=Role(role),
            department=department,
        )
    except AppError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"created user {user.id} ({user.role})")


@click.command("list-departments")
@with_appcontext
def list_departments() -> None:
    """Department codes and names, one a line."""
    for dept in core.list_departments():
        click.echo(f"{dept.code}\t{dept.name}")


@click.command("import-plan-layer")
@with_appcontext
@click.argument("plan_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Layer name shown in the layer switcher and legend.")
@click.option("--style-property", default=None, help="Colour features by this property.")
@click.option(
    "--color", default="#3388ff", show_default=True, help="Colour of a single-style layer."
)
def import_plan_layer(plan_id: int, path: Path, name: str, style_property, color: str) -> None:
    """Import a GeoJSON layer into a plan's draft version (all or nothing)."""
    from crowdplan.plans import operations as plans

    plan = plans.get_plan(plan_id)
    if plan is None:
        _fail(f"no plan with id {plan_id}")
    raw = path.read_bytes()
    try:
        with click.progressbar(length=raw.count(b'"Feature"'), label="Importing features") as bar:
            layer = plans.import_layer(
                plan.latest,
                raw,
                name=name,
                style_property=style_property,
                color=color,
                progress=bar.update,
            )
    except (GeoJSONError, AppError) as exc:
        _fail(f"{path}: {getattr(exc, 'message', exc)}")
    db.session.commit()
    click.echo(f"layer {layer.id}: {len(layer.features)} features")


@click.command("reroute")
@with_appcontext
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def reroute(since) -> None:
    """Re-apply the current routing rules to routed suggestions (created since DATE)."""

    from sqlalchemy import func, select

    from crowdplan.suggestions.models import Suggestion
    from crowdplan.triage.operations import reroute as run

    since = since.replace(tzinfo=UTC) if since else None
    total = db.session.scalar(select(func.count()).select_from(Suggestion))
    with click.progressbar(length=total, label="Re-routing") as bar:
        moved = run(since=since, progress=bar.update)
    db.session.commit()
    click.echo(f"{moved} suggestions moved to another department")


@click.command("escalate-overdue")
@with_appcontext
def escalate_overdue() -> None:
    """Mail department heads and admins about newly overdue suggestions (run it hourly)."""
    from crowdplan.triage.escalation import escalate_overdue as run

    count = run()
    db.session.commit()
    click.echo(f"{count} overdue suggestions escalated")


@click.command("flush-counters")
@with_appcontext
def flush_counters() -> None:
    """Move page views counted in Redis into the database now (workers also do it by themselves)."""
    from crowdplan.extensions import redis_client
    from crowdplan.stats.counting import flush_counters as run

    if redis_client() is None:
        click.echo("REDIS_URL is not set: views are written to the database directly")
        return
    click.echo(f"{run()} views moved from Redis to the database")


@click.command("create-api-key")
@with_appcontext
@click.option("--name", required=True, help="Who uses the key, e.g. the 12345 hotline system.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(["submit", "staff-read"]),
    help="May be given several times; without it the key only reads public data.",
)
def create_api_key(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from crowdplan.api.keys import create_api_key as create

    try:
        key, raw = create(name, list(scopes))
    except AppError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(raw)
    click.echo(f"# {key.name}: prefix {key.prefix}, scopes {key.scopes or '-'}", err=True)


@click.command("refresh-stats")
@with_appcontext
def refresh_stats() -> None:
    """Recompute the public statistics into the cache now (after a deploy, or from cron)."""
    import time

    from crowdplan.stats.figures import refresh_figures

    started = time.perf_counter()
    figures = refresh_figures()
    seconds = time.perf_counter() - started
    click.echo(f"statistics of {figures['suggestions']} suggestions computed in {seconds:.1f} s")
