"""A service's page, its "Is this page useful?" form, and "Start now", which goes out through `/go/<slug>`."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from finder import catalogue, metrics
from finder.catalogue import ChannelKind, Service
from finder.web import errors, presenters, visitors
from finder.web.blueprint import base_url, blueprint
from finder.web.cache import CachedPage, catalogue_session, pages
from finder.web.inputs import plain_text
from finder.web.language import page_language

MAX_COMMENT = 500
RELATED = 5


def _published(slug: str) -> Service:
    service = catalogue.published_service(catalogue_session(), slug)
    # Only the slug is an address: an id would give the same page under a second URL.
    if service is None or service.slug != slug:
        _retired_or_not_found(slug)
    return service


def _retired_or_not_found(slug: str) -> None:
    """A retired service's address keeps answering (bookmarks, printed leaflets, old links to "Start now"): 410 Gone
    with a page that says so and points to the service that replaced it."""
    retired = catalogue.retired_service(catalogue_session(), slug)
    if retired is None:
        abort(404)
    service, replacement = retired
    page = render_template(
        "retired.html",
        name=presenters.text(service, "name"),
        agency=service.agency,
        agency_name=presenters.text(service.agency, "name"),
        replacement=presenters.listings([replacement])[0] if replacement else None,
    )
    abort(make_response(page, 410))


def online_url(service: Service) -> str | None:
    """The service's registered online address, if it has a web one (never a javascript: or other scheme)."""
    return _first_web_address(c.value for c in service.channels if c.kind is ChannelKind.ONLINE)


def _first_web_address(addresses: Iterable[str]) -> str | None:
    return next((a for a in addresses if urlsplit(a).scheme in ("http", "https")), None)


def _published_online(slug: str) -> CachedPage:
    """What a click-out and a feedback form keep of a published service: its id and where "Start now" goes."""
    found = catalogue.published_service_online(catalogue_session(), slug)
    if found is None:
        _retired_or_not_found(slug)
    service_id, addresses = found
    return CachedPage("", {"service_id": service_id, "target": _first_web_address(addresses)})


@blueprint.get("/<lang>/services/<slug:slug>")
def service(slug: str) -> str:
    def render() -> CachedPage:
        found = _published(slug)
        return CachedPage(pages().render("service.html", **page_context(found)), {"service_id": found.id})

    page = pages().page(render)
    visitors.record(metrics.EventKind.SERVICE_VIEW, service_id=page.facts["service_id"])
    return pages().html(page)


def page_context(found: Service) -> dict:
    """What service.html needs to show a service; the agency editor's preview renders a draft with it too."""
    channels = {kind: [c for c in found.channels if c.kind is kind] for kind in ChannelKind}
    offices = [
        {
            "name": presenters.text(link.office, "name"),
            "address": presenters.address(link.office),
            "today": presenters.today_hours(link.office),
            "phone": link.office.phone,
        }
        for link in found.offices
    ]
    return dict(
        service=found,
        field=lambda name: presenters.text(found, name),
        blocks=presenters.blocks,
        documents=[presenters.text(d, "name") for d in found.documents],
        costs=presenters.costs(found),
        start=online_url(found),
        phones=channels[ChannelKind.PHONE],
        sms=channels[ChannelKind.SMS],
        emails=channels[ChannelKind.EMAIL],
        offices=offices,
        agency_name=presenters.text(found.agency, "name"),
        related=presenters.listings(catalogue.related_services(catalogue_session(), found, RELATED)),
        last_reviewed=presenters.long_date(found.last_reviewed),
        json_ld=presenters.json_ld(
            {
                "@context": "https://schema.org",
                **catalogue.government_service(found, page_language(), base_url()),
            }
        ),
    )


@blueprint.post("/<lang>/services/<slug:slug>/feedback")
def feedback(slug: str):
    service_id = pages().page(lambda: _published_online(slug)).facts["service_id"]
    answer = request.form.get("useful")
    if answer not in ("yes", "no"):
        return errors.page(400, _("Please answer Yes or No."))
    comment = plain_text(request.form.get("comment", ""))
    if len(comment) > MAX_COMMENT:
        return errors.page(400, _("Please use at most %(max)s characters.", max=MAX_COMMENT))
    if not visitors.allow_feedback():
        abort(429)
    visitors.record(metrics.EventKind.FEEDBACK, service_id=service_id, useful=answer == "yes", comment=comment or None)
    return render_template("thanks.html", back=url_for("web.service", slug=slug))


@blueprint.get("/go/<slug:slug>")
def click_out(slug: str):
    facts = pages().page(lambda: _published_online(slug)).facts
    if facts["target"] is None:
        abort(404)
    visitors.record(metrics.EventKind.CLICK_OUT, service_id=facts["service_id"])
    return redirect(facts["target"], 302)
