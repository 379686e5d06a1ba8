"""API tokens for agencies' own systems: shown once, stored as SHA-256, named, revocable, with a last-used time."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.agency.audit import audit
from finder.agency.errors import InvalidInput, NotFound, TokenInvalid
from finder.agency.models import ApiToken
from finder.agency.permissions import Action, Actor, require
from finder.catalogue.models import Agency, utcnow

TOKEN_PREFIX = "sf_"
# Use is recorded at most once an hour per token: a busy script would otherwise write a row on every request,
# and "used in the last hour" is as much as anyone reviewing tokens needs to know.
USE_RECORDED_EVERY = dt.timedelta(hours=1)


def new_secret(prefix: str = "") -> str:
    """A random token with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, actor: Actor, agency_id: str, name: str) -> tuple[ApiToken, str]:
    """A new token for the agency; returns the row and the token itself, which is never shown again."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency has the id {agency_id!r}")
    require(actor, Action.TOKEN_MANAGE, agency)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput({"/name": _("give the token a name of 1 to 100 characters (e.g. the system that uses it)")})
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        agency_id=agency.id, name=name, token_hash=digest(secret), prefix=secret[:10], created_by_id=actor.user_id
    )
    session.add(token)
    session.flush()
    audit(
        session,
        "token.create",
        actor,
        agency_id=agency.id,
        target_type="api_token",
        target_id=token.id,
        detail={"name": name},
    )
    return token, secret


def revoke_token(session: Session, actor: Actor, token_id: str) -> ApiToken:
    """Revoke a token at once; revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token has the id {token_id!r}")
    require(actor, Action.TOKEN_MANAGE, token)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit(session, "token.revoke", actor, agency_id=token.agency_id, target_type="api_token", target_id=token.id)
    return token


def tokens_of(session: Session, actor: Actor, agency_id: str) -> list[ApiToken]:
    """The agency's tokens, newest first (their hashes only: the tokens themselves are not kept)."""
    require(actor, Action.TOKEN_MANAGE, agency_id)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.agency_id == agency_id).order_by(ApiToken.created_at.desc()))
    )


def token_agency(session: Session, secret: str) -> ApiToken:
    """The live token with this secret (raise TokenInvalid if unknown or revoked); notes its use."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret or "")))
    if token is None or token.revoked_at is not None:
        raise TokenInvalid("unknown or revoked API token")
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORDED_EVERY:
        token.last_used_at = now
        audit(session, "token.use", Actor.of_token(token), target_type="api_token", target_id=token.id)
    return token
