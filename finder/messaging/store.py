"""Storage for message channels: the processed-message log, opt-outs and conversation state stores."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import redis
from sqlalchemy import Table, TextClause, bindparam, delete, event, select, text, update
from sqlalchemy.orm import Session

from finder.catalogue.models import utcnow
from finder.db import Database
from finder.messaging.models import ConversationState, OptOut, ProcessedMessage

log = logging.getLogger(__name__)

# Twilio retries a delivery within minutes; a week of ids is ample to recognise a retry.
KEEP_MESSAGE_IDS = dt.timedelta(days=7)


class MessageLog:
    """Which inbound messages were processed and what was answered, and who opted out."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def claim(self, message_id: str, session: Session) -> bool:
        """True for the one caller that gets to process this message; False for every other copy of it.

        The claim is a row keyed by the message id, written in the caller's transaction: a copy claiming meanwhile
        waits on that key until the transaction ends, then gets False if it was committed (the reply is there for
        `reply_to`) or True if it was rolled back (the processing failed, so this copy processes it afresh)."""
        claimed = session.execute(_CLAIM, {"message_id": message_id, "received_at": utcnow()})
        return claimed.first() is not None

    def finish(self, message_id: str, reply: str, session: Session) -> None:
        """Store the reply sent for a message claimed in the caller's transaction, for any retry of it."""
        session.execute(update(ProcessedMessage).where(ProcessedMessage.message_id == message_id).values(reply=reply))

    def reply_to(self, message_id: str, session: Session) -> str | None:
        """The reply stored for a message another delivery processed (None if it has none)."""
        return session.scalar(select(ProcessedMessage.reply).where(ProcessedMessage.message_id == message_id))

    def opt_out(self, sender: str, session: Session | None = None) -> None:
        """Remember that the sender wants no more messages (in the caller's transaction if given)."""
        with _writing(self.database, session) as session:
            _upsert(session, OptOut, {"sender": sender, "opted_out_at": utcnow()})

    def opt_in(self, sender: str, session: Session | None = None) -> None:
        """Forget the sender's opt-out (in the caller's transaction if given)."""
        with _writing(self.database, session) as session:
            session.execute(delete(OptOut).where(OptOut.sender == sender))

    def is_opted_out(self, sender: str, session: Session | None = None) -> bool:
        """Whether the sender opted out (read in the caller's session if given, with its other reads)."""
        with _reading(self.database, session) as session:
            return session.get(OptOut, sender) is not None

    def purge(self, now: dt.datetime | None = None) -> int:
        """Forget message ids older than a week and expired conversations; how many rows went."""
        now = now or utcnow()
        with self.database.transaction() as session:
            ids = session.execute(delete(ProcessedMessage).where(ProcessedMessage.received_at < now - KEEP_MESSAGE_IDS))
            states = session.execute(delete(ConversationState).where(ConversationState.expires_at < now))
            return ids.rowcount + states.rowcount


class StateStore(Protocol):
    """Conversation state per sender pseudonym; a state not saved again within the TTL is forgotten.

    `session` is the caller's database session: a store in the database reads and writes in it (so a message's
    reads share one transaction, and its state is saved with its reply); a store elsewhere ignores it."""

    def load(self, sender: str, session: Session | None = None) -> dict[str, Any] | None: ...

    def save(self, sender: str, state: dict[str, Any], session: Session | None = None) -> None: ...


class DatabaseStates:
    """State in the database: right for one app server, or several sharing one PostgreSQL."""

    def __init__(self, database: Database, ttl_seconds: int) -> None:
        self.database = database
        self.ttl = dt.timedelta(seconds=ttl_seconds)

    def load(self, sender: str, session: Session | None = None) -> dict[str, Any] | None:
        with _reading(self.database, session) as session:
            row = session.get(ConversationState, sender)
            if row is None or row.expires_at <= utcnow():
                return None
            return dict(row.state)

    def save(self, sender: str, state: dict[str, Any], session: Session | None = None) -> None:
        with _writing(self.database, session) as session:
            values = {"sender": sender, "state": state, "expires_at": utcnow() + self.ttl}
            _upsert(session, ConversationState, values)


class RedisStates:
    """State in Redis (FINDER_REDIS_URL), expiring by Redis's own TTL, shared by every app server."""

    PREFIX = "finder:conversation:"

    def __init__(self, url: str, ttl_seconds: int, prefix: str = PREFIX, fallback: StateStore | None = None) -> None:
        # Short timeouts: a Redis that hangs must not hold a webhook past Twilio's 15 s.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.ttl = ttl_seconds
        self.prefix = prefix
        # While Redis is unreachable, conversations carry on in the database (shared by every app server too).
        self.fallback = fallback

    def load(self, sender: str, session: Session | None = None) -> dict[str, Any] | None:
        try:
            raw = self.client.get(self.prefix + sender)
        except redis.RedisError as error:
            return self._degrade(error).load(sender, session)
        return json.loads(raw) if raw else None

    def save(self, sender: str, state: dict[str, Any], session: Session | None = None) -> None:
        """Write the state now, or, given the caller's session, once its transaction commits: a message whose
        transaction fails (its reply not stored, its claim undone) leaves the conversation where it was."""
        if session is None:
            self._write(sender, state)
        else:
            event.listen(session, "after_commit", lambda _session: self._write(sender, state), once=True)

    def _write(self, sender: str, state: dict[str, Any]) -> None:
        try:
            self.client.set(self.prefix + sender, json.dumps(state, ensure_ascii=False), ex=self.ttl)
        except redis.RedisError as error:
            self._degrade(error).save(sender, state)

    def _degrade(self, error: redis.RedisError) -> StateStore:
        if self.fallback is None:
            raise error
        log.warning("Redis unreachable (%s): conversation state goes to the database", type(error).__name__)
        return self.fallback


@contextmanager
def _reading(database: Database, session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
    else:
        with database.sessions() as own:
            yield own


@contextmanager
def _writing(database: Database, session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
    else:
        with database.transaction() as own:
            yield own


# INSERT … ON CONFLICT written out, in SQL that both engines read alike, rather than built with the dialects'
# `insert().on_conflict_do_…()`: SQLAlchemy 2.0 compiles those afresh on every execution
# (sqlalchemy/sqlalchemy#10445), about a millisecond of each SMS message's time.
_CLAIM = text(
    "INSERT INTO processed_messages (message_id, received_at) VALUES (:message_id, :received_at) "
    "ON CONFLICT (message_id) DO NOTHING RETURNING message_id"
).bindparams(bindparam("received_at", type_=ProcessedMessage.__table__.c.received_at.type))


def _upsert_statement(table: Table) -> TextClause:
    (key,) = (column.name for column in table.primary_key)
    names = [column.name for column in table.columns]
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != key)
    return text(
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(':' + name for name in names)}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    ).bindparams(*(bindparam(column.name, type_=column.type) for column in table.columns))


_UPSERTS = {model: _upsert_statement(model.__table__) for model in (OptOut, ConversationState)}


def _upsert(session: Session, model: type, values: dict[str, Any]) -> None:
    """Insert or update in one statement, so two requests for one sender never collide on the key."""
    session.execute(_UPSERTS[model], values)
