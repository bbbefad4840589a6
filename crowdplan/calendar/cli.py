"""`flask --app crowdplan calendar ...`: seed, import the State Council's notice, a due day."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from crowdplan import dates
from crowdplan.calendar import operations
from crowdplan.calendar.source import CalendarFileError, parse_days
from crowdplan.extensions import db
from crowdplan.routing.deadlines import add_working_days

calendar = AppGroup("calendar", help="The official working-day calendar (holidays, 调休).")


def _report(change: operations.Change) -> None:
    years = ", ".join(map(str, change.years)) or "none"
    click.echo(f"years written: {years}; deadlines moved: {change.moved}")


@calendar.command("seed")
def seed() -> None:
    """Add the years the chinesecalendar package covers that are not in the database yet."""
    change = operations.seed()
    db.session.commit()
    _report(change)


@calendar.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The notice, e.g. 国办发明电〔2026〕N号.")
def import_file(path: Path, name: str) -> None:
    """Load a year's holidays and make-up working days (all or nothing; a year is replaced)."""
    try:
        parsed = parse_days(path.read_text(encoding="utf-8-sig"))
    except (CalendarFileError, UnicodeDecodeError) as exc:
        for number, message in getattr(exc, "errors", [(0, str(exc))]):
            click.echo(f"{path}:{number}: {message}", err=True)
        raise click.ClickException(f"{path}: nothing imported") from None
    change = operations.import_days(parsed, name=name)
    db.session.commit()
    _report(change)


@calendar.command("due")
@click.argument("submitted", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=click.IntRange(min=1, max=365))
def due(submitted: datetime, days: int) -> None:
    """Print the last working day of a DAYS-working-day limit for a case submitted on SUBMITTED."""
    # Noon local time on that day: the same start a case submitted that day counts from.
    start = datetime.combine(submitted.date(), time(12), tzinfo=dates.bureau_zone())
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    click.echo(dates.last_day(add_working_days(start, days, tz=zone)).isoformat())
