"""Message channels' storage in the core (channel-neutral): processed message ids, opt-outs, conversation state.

    log = messaging.message_log()
    with database.transaction() as session:
        if log.claim(message_sid, session): ...; log.finish(message_sid, reply, session)
    state = messaging.conversation_states().load(sender_pseudonym, session)

State lives in Redis when FINDER_REDIS_URL is set (so several app servers share it), else in the database;
while Redis is unreachable it goes to the database too.
"""

from __future__ import annotations

from flask import Flask, current_app

from finder.config import Settings
from finder.db import Database
from finder.messaging.store import DatabaseStates, MessageLog, RedisStates, StateStore


def init_app(app: Flask, settings: Settings, database: Database) -> None:
    app.extensions["finder.message_log"] = MessageLog(database)
    in_database = DatabaseStates(database, settings.sms_state_ttl)
    states: StateStore = (
        RedisStates(settings.redis_url, settings.sms_state_ttl, fallback=in_database)
        if settings.redis_url
        else in_database
    )
    app.extensions["finder.conversation_states"] = states


def message_log() -> MessageLog:
    """The current application's log of processed messages and opt-outs."""
    return current_app.extensions["finder.message_log"]


def conversation_states() -> StateStore:
    """The current application's conversation state store (Redis or the database)."""
    return current_app.extensions["finder.conversation_states"]


__all__ = [
    "DatabaseStates",
    "MessageLog",
    "RedisStates",
    "StateStore",
    "conversation_states",
    "init_app",
    "message_log",
]
