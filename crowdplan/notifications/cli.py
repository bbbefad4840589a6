"""`flask --app crowdplan send-mail`: the production sender of the mail outbox."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from crowdplan.notifications import sender


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running: a pass every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--retry-failed", is_flag=True, help="First put messages that gave up back.")
@with_appcontext
def send_mail(loop: bool, interval: float, retry_failed: bool) -> None:
    """Send the queued mail that is due (one pass, or --loop)."""
    if retry_failed:
        click.echo(f"{sender.retry_failed()} failed messages queued again")
    while True:
        done = sender.send_pending()
        if not loop:
            click.echo(f"{done.sent} sent, {done.retrying} to retry, {done.failed} failed")
            return
        if not done.sent:  # a full pass means more may be waiting: go on at once
            time.sleep(interval)
