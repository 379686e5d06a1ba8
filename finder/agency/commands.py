"""The agency side's commands: `finder users`, `finder tokens`, `finder agency`, `finder review`, `finder audit`.

Whoever runs them holds the server already, so they act with the system's rights (recorded as "command line").
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import agency
from finder.agency.mail import mailer
from finder.catalogue.models import Agency
from finder.db import database

SYSTEM = agency.Actor.system()
ROLES = {"admin": agency.Role.AGENCY_ADMIN, "editor": agency.Role.AGENCY_EDITOR}


def _agency_id(session: Session, id_or_slug: str) -> str:
    found = session.get(Agency, id_or_slug) or session.scalar(select(Agency).where(Agency.slug == id_or_slug))
    if found is None:
        raise click.ClickException(f"no agency has the id or slug {id_or_slug!r}")
    return found.id


class _Refused(click.ClickException):
    def __init__(self, error: agency.AgencyError) -> None:
        if isinstance(error, agency.InvalidInput):
            message = "; ".join(f"{field.lstrip('/')}: {text}" for field, text in error.errors.items())
        else:
            message = str(error)
        super().__init__(message)


def _run(work):
    """Run `work(session)` in one transaction; the domain's refusals become a one-line error and exit status 1."""
    try:
        with database().transaction() as session:
            return work(session)
    except agency.AgencyError as error:
        raise _Refused(error) from None


@click.group("users")
def users_group() -> None:
    """People: the coordinator and agencies' admins and editors."""


@users_group.command("create-coordinator")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@with_appcontext
def create_coordinator(email: str, password_stdin: bool) -> None:
    """Create a coordinator account (the national office), e.g. the first one."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _run(lambda session: agency.create_coordinator(session, email, password))
    click.echo(f"Coordinator {user.email} created.")


@users_group.command("invite")
@click.argument("email")
@click.option("--agency", "agency_ref", required=True, help="The agency's id or slug.")
@click.option("--role", type=click.Choice(sorted(ROLES)), default="editor", show_default=True)
@with_appcontext
def invite(email: str, agency_ref: str, role: str) -> None:
    """Invite a person into an agency; prints the one-time link unless a mail server sends it."""
    _, link = _run(lambda session: agency.invite(session, SYSTEM, _agency_id(session, agency_ref), email, ROLES[role]))
    if mailer() is not None:
        click.echo(f"Invitation mailed to {email.strip().lower()}.")
    else:
        click.echo(f"No mail server is configured (FINDER_SMTP_URL); give {email.strip().lower()} this one-time link:")
        click.echo(link)


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for agencies' own systems."""


@tokens_group.command("create")
@click.option("--agency", "agency_ref", required=True, help="The agency's id or slug.")
@click.option("--name", required=True, help="What the token is for, e.g. the system that uses it.")
@with_appcontext
def create_token(agency_ref: str, name: str) -> None:
    """Create a token and print it; it is shown this once only (the database keeps only its hash)."""
    token, secret = _run(lambda session: agency.create_token(session, SYSTEM, _agency_id(session, agency_ref), name))
    click.echo(f"Token {token.id} ({token.name}) for agency {token.agency_id}. Keep it secret; it is not shown again:")
    click.echo(secret)


@tokens_group.command("revoke")
@click.argument("token_id")
@with_appcontext
def revoke_token(token_id: str) -> None:
    """Revoke a token by its id (as `finder tokens list` shows); it stops working at once."""
    token = _run(lambda session: agency.revoke_token(session, SYSTEM, token_id))
    click.echo(f"Token {token.id} ({token.name}) revoked.")


@tokens_group.command("list")
@click.option("--agency", "agency_ref", required=True, help="The agency's id or slug.")
@with_appcontext
def list_tokens(agency_ref: str) -> None:
    """An agency's tokens: id, first characters, name, last use, revoked or not."""
    tokens = _run(lambda session: agency.tokens_of(session, SYSTEM, _agency_id(session, agency_ref)))
    for token in tokens:
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        state = "revoked" if token.revoked_at else "live"
        click.echo(f"{token.id}  {token.prefix}...  {state:7}  last used {used}  {token.name}")


@click.group("agency")
def agency_group() -> None:
    """Agencies' applications to join."""


@agency_group.command("applications")
@click.option("--all", "everything", is_flag=True, help="Decided ones too, not only those waiting.")
@with_appcontext
def list_applications(everything: bool) -> None:
    """Applications waiting for a decision, oldest first."""
    status = None if everything else agency.ApplicationStatus.PENDING
    rows = _run(lambda session: agency.applications(session, SYSTEM, status))
    if not rows:
        click.echo("No applications.")
    for row in rows:
        click.echo(
            f"{row.id}  {row.created_at:%Y-%m-%d}  {row.status:8}  {row.agency_name}  ({row.contact_name}, {row.email})"
        )


@agency_group.command("approve")
@click.argument("application_id")
@click.option("--agency", "agency_ref", default=None, help="Link to this existing agency (id or slug) instead.")
@with_appcontext
def approve(application_id: str, agency_ref: str | None) -> None:
    """Approve an application: the applicant is invited as the agency's first admin."""

    def work(session):
        agency_id = _agency_id(session, agency_ref) if agency_ref else None
        return agency.approve_application(session, SYSTEM, application_id, agency_id=agency_id)

    found, invitation, link = _run(work)
    click.echo(f"Approved: {found.name} ({found.slug}).")
    if mailer() is None:
        click.echo(f"No mail server is configured; give {invitation.email} this one-time link:")
        click.echo(link)


@agency_group.command("reject")
@click.argument("application_id")
@click.option("--reason", required=True, help="Why; the applicant is told.")
@with_appcontext
def reject(application_id: str, reason: str) -> None:
    """Reject an application with a reason."""
    row = _run(lambda session: agency.reject_application(session, SYSTEM, application_id, reason))
    click.echo(f"Rejected: {row.agency_name}.")


@click.group("review")
def review_group() -> None:
    """Keeping content true."""


@review_group.command("stale")
@click.option("--months", type=click.IntRange(min=1), default=None, help="Default: FINDER_STALE_MONTHS (12).")
@click.option("--agency", "agency_ref", default=None, help="Only this agency (id or slug).")
@with_appcontext
def stale(months: int | None, agency_ref: str | None) -> None:
    """Published services not reviewed for that many months (or never), by agency, oldest first."""
    months = months or current_app.config["FINDER"].stale_months

    def work(session):
        agency_id = _agency_id(session, agency_ref) if agency_ref else None
        return [
            (s.agency.name, s.slug, s.last_reviewed)
            for s in agency.stale_services(session, SYSTEM, months=months, agency_id=agency_id)
        ]

    rows = _run(work)
    click.echo(f"{len(rows)} published service(s) not reviewed in {months} months.")
    for agency_name in sorted({r[0] for r in rows}):
        click.echo(f"\n{agency_name}")
        for _, slug, reviewed in (r for r in rows if r[0] == agency_name):
            click.echo(f"  {reviewed.isoformat() if reviewed else 'never':10}  {slug}")


@click.group("audit")
def audit_group() -> None:
    """The audit log of security events."""


@audit_group.command("log")
@click.option("--action", default=None, help="Only this action, e.g. login.failed.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@with_appcontext
def audit_log(action: str | None, limit: int) -> None:
    """The newest events first."""
    events, total = _run(lambda session: agency.audit_log(session, SYSTEM, action=action, per_page=limit))
    for event in events:
        target = f" {event.target_type} {event.target_id}" if event.target_type else ""
        click.echo(f"{event.occurred_at:%Y-%m-%d %H:%M:%S}  {event.action:22}  {event.actor}{target}")
    click.echo(f"({len(events)} of {total})")


COMMANDS = (users_group, tokens_group, agency_group, review_group, audit_group)
