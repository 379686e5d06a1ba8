"""Where a request reads the catalogue: the read replica (FINDER_DATABASE_REPLICA_URL) once it has caught up with
the primary, else the primary.

A replica may lag behind the primary; its version tokens (finder.catalogue.version) say how far it has got. A
request reads the catalogue from the replica only when the replica's tokens are the ones the primary gives for this
request (the catalogue's and the search's alike), so a publication shows at once whatever the lag, and a replica
that cannot be reached is logged and passed over. Without a replica nothing is asked: the reads stay in the
caller's session at no cost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from finder.catalogue import version
from finder.db import database, replica_request_session

log = logging.getLogger(__name__)


def catalogue_session(primary: Session, primary_versions: Callable[[], version.Versions] | None = None) -> Session:
    """The session to read the catalogue from in this request: the replica's once it has the primary's version
    tokens (`primary_versions()`, by default read in `primary`), else `primary`. Reads only."""
    replica = database().replica_engine
    if replica is None:
        return primary
    expected = primary_versions() if primary_versions is not None else version.of(primary)
    try:
        caught_up = version.current(replica) == expected
    except SQLAlchemyError as error:
        log.warning("read replica unreachable (%s): reading from the primary", type(error).__name__)
        return primary
    return replica_request_session() if caught_up else primary
