"""A search's own fixed cost: the statements it sends, counted here so that they cannot creep back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from finder import search
from finder.search import SearchRequest


@contextlib.contextmanager
def _statements(session) -> Iterator[list[str]]:
    """Every statement the session's connection runs meanwhile, those run on the driver's own cursor included."""
    seen: list[str] = []
    connection = session.connection()
    driver = connection.connection.driver_connection
    if hasattr(driver, "set_trace_callback"):  # SQLite: the library reports every statement it runs

        def trace(sql: str) -> None:
            # Not the transaction's own, nor those FTS5 runs inside a statement (reported as comments).
            if not sql.startswith(("BEGIN", "COMMIT", "--")):
                seen.append(sql)

        driver.set_trace_callback(trace)
        try:
            yield seen
        finally:
            driver.set_trace_callback(None)
        return

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _search(session, text: str) -> list[str]:
    with _statements(session) as seen:
        search.search(session, SearchRequest(text=text, language="en"))
    return seen


def test_a_search_reads_the_versions_and_asks_the_engine_and_nothing_else(demo_app):
    with demo_app.extensions["finder.db"].sessions() as session:
        # Each query once, so that what is kept per index version (the vocabulary, facets, candidates' names, hits
        # shown, frequent words' postings) is there, as it is in a running process.
        for text in ("tax", "birth certificate", "my father passed away", "noise"):
            search.search(session, SearchRequest(text=text, language="en"))
        search.forget_results()
        # Frequent words only: answered from their postings, so the versions are all that is read.
        assert len(_search(session, "birth certificate")) == 1
        # A rare word: the versions, then the engine's match.
        assert len(_search(session, "noise")) == 2
        # A life event: the versions, the engine's match, then the event's services' words and the event's
        # journey, to rank them.
        assert len(_search(session, "my father passed away")) == 4
        # A result kept: the versions only.
        assert len(_search(session, "noise")) == 1
