"""What the core keeps for message channels: processed message ids, opt-outs, conversation state.

Senders are only ever stored as pseudonyms (finder.privacy.pseudonym), never as phone numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finder.catalogue.models import Base, JSONType


class ProcessedMessage(Base):
    """An inbound message id claimed by the first delivery to arrive; the primary key makes the claim atomic."""

    __tablename__ = "processed_messages"

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # None while the first delivery is still working on it; then the exact reply, so a retry gets the same one.
    reply: Mapped[str | None] = mapped_column(Text)


class OptOut(Base):
    """A sender who asked for no more messages (STOP), until they opt back in (START)."""

    __tablename__ = "message_opt_outs"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ConversationState(Base):
    """A sender's conversation (language, last results, page) until it expires."""

    __tablename__ = "conversation_states"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
