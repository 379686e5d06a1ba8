"""The `finder` command: Flask's CLI bound to the application factory, plus the project's own commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from finder import agency, catalogue, demo, metrics, migrations, search
from finder.catalogue import EXPORT_FORMATS, ImportFailed, export_catalogue, import_path, write_hsds_tables
from finder.db import database


def _create_app() -> Flask:
    from finder import create_app

    # SIGTERM to `finder run` (or any command) exits normally, so buffered usage events are written first.
    metrics.install_sigterm_handler()
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Service Finder: a one-stop catalogue of public services."""


def _settings():
    return current_app.config["FINDER"]


@click.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema (safe to run on every deploy)."""
    engine = database().engine
    migrations.upgrade(engine, revision)
    click.echo(f"Database at revision {migrations.current_revision(engine)}.")


@click.group("demo")
def demo_group() -> None:
    """The demo catalogue (the fictional Republic of Meridia)."""


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the catalogue has no services yet.")
@with_appcontext
def demo_load(if_empty: bool) -> None:
    """Load the demo catalogue; loading it again changes nothing."""
    settings = _settings()
    with database().transaction() as session:
        if if_empty and not demo.is_empty(session):
            click.echo("The catalogue already has services; demo not loaded.")
            return
        try:
            report = demo.load(
                session,
                default_language=settings.default_language,
                max_bytes=settings.max_import_bytes,
                languages=settings.languages,
            )
        except ImportFailed as failed:
            _fail(failed)
        agency.record_changed_versions(session, agency.Actor.system("demo load"), "demo catalogue")
        accounts = agency.create_demo_accounts(session) if settings.env == "development" else 0
    click.echo(f"Demo catalogue loaded: {report.services} services from {len(report.files)} files.")
    if accounts:
        click.echo(f"{accounts} demo accounts added (development only; passwords in the README).")


@click.group("catalogue")
def catalogue_group() -> None:
    """Import and export the catalogue."""


@catalogue_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def catalogue_import(path: Path) -> None:
    """Import a native or HSDS JSON file, a folder of them, or an HSDS CSV folder, in one transaction."""
    settings = _settings()
    try:
        with database().transaction() as session:
            report = import_path(
                session, path, max_bytes=settings.max_import_bytes, default_language=settings.default_language
            )
            # Imports go into the services' history like any other change.
            agency.record_changed_versions(session, agency.Actor.system("import"), f"imported from {path.name}")
    except ImportFailed as failed:
        _fail(failed)
    click.echo(f"Imported {report.services} services from {len(report.files)} file(s).")


@catalogue_group.command("export")
@click.option("--format", "fmt", type=click.Choice([*EXPORT_FORMATS, "hsds-csv"]), default="native", show_default=True)
@click.option("--lang", "language", default=None, help="Language of the text in hsds and jsonld exports.")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="File to write (a folder for hsds-csv); default stdout."
)
@with_appcontext
def catalogue_export(fmt: str, language: str | None, output: Path | None) -> None:
    """Export the catalogue: native (everything), hsds, hsds-csv (a folder) or jsonld (published services)."""
    settings = _settings()
    if fmt == "hsds-csv" and output is None:
        raise click.UsageError("--format hsds-csv writes a folder of CSV files: name it with --output.")
    with database().sessions() as session:
        data = export_catalogue(
            session,
            "hsds" if fmt == "hsds-csv" else fmt,
            default_language=settings.default_language,
            language=language,
            public_url=settings.public_url,
        )
    if fmt == "hsds-csv":
        written = write_hsds_tables(data, output)
        click.echo(f"Wrote {len(written)} tables to {output}.")
        return
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@click.group("search")
def search_group() -> None:
    """The search index and its vocabulary."""


@search_group.command("reindex")
@with_appcontext
def search_reindex() -> None:
    """Rebuild the whole index (the index otherwise follows every change by itself)."""
    with database().transaction() as session:
        count = search.rebuild(session)
    click.echo(f"Reindexed {count} services.")


@search_group.command("seed")
@with_appcontext
def search_seed() -> None:
    """Add the synonyms, life-event phrases and best bets of the data files that the database lacks."""
    with database().transaction() as session:
        added = search.seed_vocabulary(session, list(_settings().languages))
    click.echo(", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in added.items()) + " added.")


@search_group.command("query")
@click.argument("text")
@click.option("--lang", "language", default=None)
@with_appcontext
def search_query(text: str, language: str | None) -> None:
    """Search as a citizen would, and print the ranked results."""
    settings = _settings()
    with database().sessions() as session:
        results = search.search(
            session, search.SearchRequest(text=text, language=language or settings.default_language)
        )
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}")
    click.echo(f"{results.total} results")
    for hit in results.hits:
        click.echo(f"{hit.score:7.3f}  {hit.slug}  {hit.name}")


@click.group("metrics")
def metrics_group() -> None:
    """Usage metrics: rollups and reports."""


@metrics_group.command("rollup")
@with_appcontext
def metrics_rollup() -> None:
    """Add the usage events logged since the last run to the daily rollups; delete raw events past retention.

    Incremental and safe to run often and concurrently (from cron, or FINDER_METRICS_ROLLUP_SECONDS).
    """
    retention = _settings().metrics_retention_days
    result = metrics.rollup(database(), retention)
    click.echo(
        f"Rolled up {result.events} events (up to event {result.last_event_id}); "
        f"deleted {result.deleted} raw events older than {retention} days."
    )


DATE = click.DateTime(formats=["%Y-%m-%d"])


@metrics_group.command("report")
@click.option("--from", "start", type=DATE, required=True, help="First day (YYYY-MM-DD, UTC), included.")
@click.option("--to", "end", type=DATE, required=True, help="Last day (YYYY-MM-DD, UTC), included.")
@click.option("--agency", "agency_id", default=None, help="Only this agency's services (its id).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option(
    "--table",
    type=click.Choice(["metrics", "zero-result-queries", "services", "digital-take-up"]),
    default="metrics",
    show_default=True,
    help="Which table --format csv prints.",
)
@with_appcontext
def metrics_report(start, end, agency_id: str | None, fmt: str, table: str) -> None:
    """Print the usage metrics (docs/metrics.md) for a date range; runs an incremental rollup first."""
    if end < start:
        raise click.BadParameter(f"{end:%Y-%m-%d} is before --from {start:%Y-%m-%d}.", param_hint="'--to'")
    db = database()
    if agency_id is not None:
        with db.sessions() as session:
            if catalogue.agency(session, agency_id) is None:
                raise click.BadParameter(f"no agency has the id {agency_id!r}.", param_hint="'--agency'")
    metrics.rollup(db, _settings().metrics_retention_days)
    with db.engine.connect() as connection:
        report = metrics.usage_report(connection, start.date(), end.date(), agency_id)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(metrics.report_csv(report, table), nl=False)
    else:
        click.echo(metrics.report_text(report), nl=False)


MONTH = click.DateTime(formats=["%Y-%m"])
COUNT = click.IntRange(0, metrics.MAX_TRANSACTIONS)


@metrics_group.command("transactions")
@click.argument("service")
@click.option("--month", type=MONTH, required=True, help="The month (YYYY-MM).")
@click.option("--online", type=COUNT, required=True, help="Transactions done online.")
@click.option("--counter", type=COUNT, required=True, help="Done at a counter, in person.")
@click.option("--phone", type=COUNT, required=True, help="Done by phone.")
@click.option("--post", type=COUNT, required=True, help="Done by post.")
@with_appcontext
def metrics_transactions(service: str, month, online: int, counter: int, phone: int, post: int) -> None:
    """Set a service's transactions for a month by channel (its id or slug), for digital take-up; replaces the
    month's earlier counts."""
    with database().transaction() as session:
        found = catalogue.published_service(session, service)
        if found is None:
            raise click.BadParameter(f"no published service has the id or slug {service!r}.", param_hint="'SERVICE'")
        counts = {"online": online, "counter": counter, "phone": phone, "post": post}
        try:
            metrics.record_transactions(session, agency.Actor.system(), found.id, month.date(), counts)
        except metrics.InvalidTransactions as refused:
            raise click.BadParameter(refused.errors.get("/month", str(refused)), param_hint="'--month'") from None
    total = sum(counts.values())
    click.echo(f"{found.slug} {month:%Y-%m}: {online} of {total} transactions online.")


def _fail(failed: ImportFailed) -> None:
    for problem in failed.problems:
        click.echo(f"error: {problem}", err=True)
    raise click.ClickException(f"nothing was imported ({len(failed.problems)} problem(s))")


def register_commands(app: Flask) -> None:
    from finder.agency.commands import COMMANDS

    for group in (db_group, demo_group, catalogue_group, search_group, metrics_group, *COMMANDS):
        app.cli.add_command(group)
