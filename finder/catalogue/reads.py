"""Where a request reads the catalogue: the read replica (FINDER_DATABASE_REPLICA_URL) once it has caught up with
the primary, else the primary.

A replica may lag behind the primary; its catalogue version says how far it has got. A request reads the catalogue
from the replica only when the replica's version is the one the primary gives for this request, so a publication
shows at once whatever the lag, and a replica that cannot be reached is logged and passed over. Without a replica
nothing is asked: the reads stay in the caller's session at no cost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from finder.catalogue import version
from finder.db import database, replica_request_session

log = logging.getLogger(__name__)


def catalogue_session(primary: Session, primary_version: Callable[[], str] | None = None) -> Session:
    """The session to read the catalogue from in this request: the replica's once it has the primary's version
    (`primary_version()`, by default read in `primary`), else `primary`. Reads only."""
    replica = database().replica_engine
    if replica is None:
        return primary
    expected = primary_version() if primary_version is not None else version.of(primary)
    try:
        caught_up = version.current(replica) == expected
    except SQLAlchemyError as error:
        log.warning("read replica unreachable (%s): reading from the primary", type(error).__name__)
        return primary
    return replica_request_session() if caught_up else primary
