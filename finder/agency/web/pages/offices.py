"""An agency's offices: the address, phone, access and opening hours that its services' pages show."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from finder import agency
from finder.agency import InvalidInput
from finder.agency.checks import e164
from finder.agency.web.blueprint import actor, blueprint, page, show_errors
from finder.agency.web.forms import day_choices, office_form
from finder.catalogue.models import Agency, Office
from finder.db import database, request_session

ADDRESS = ("street", "city", "postal_code", "country")


def _rows(existing: dict[str, Any]) -> int:
    if request.method == "POST":
        posted = {int(m.group(1)) for k in request.form if (m := re.match(r"hours-(\d+)-", k))}
        count = max(posted) + 1 if posted else 0
    else:
        count = len(existing.get("hours", [])) + 1
    return max(count, 1) + (request.form.get("more") == "hours")


def _data(record: dict[str, Any]) -> dict[str, Any]:
    address = record.get("address", {})
    return {
        **{f: record.get(f) for f in ("slug", "name", "phone", "accessibility")},
        **{f: address.get(f) for f in ADDRESS},
        "hours": [{"days": h["days"], "opens": h["opens"], "closes": h["closes"]} for h in record.get("hours", [])],
    }


def _record(form, existing: dict[str, Any], agency_slug: str) -> dict[str, Any]:
    """The native office record, keeping what the form does not show (translations, description, position...)."""
    record = {k: v for k, v in existing.items() if k not in ("hours",)}
    address = {k: v for k, v in existing.get("address", {}).items() if k not in ADDRESS}
    address.update({f: (getattr(form, f).data or "").strip() for f in ADDRESS if (getattr(form, f).data or "").strip()})
    address["country"] = address.get("country", "").upper()
    record.update(slug=form.slug.data.strip(), agency=agency_slug, name=form.name.data.strip(), address=address)
    for field in ("phone", "accessibility"):
        value = (getattr(form, field).data or "").strip()
        if field == "phone" and value:
            value = e164(value) or value
        if value:
            record[field] = value
        else:
            record.pop(field, None)
    old = existing.get("hours", [])
    hours = []
    for index, entry in enumerate(form.hours.entries):
        days, opens, closes = entry.form.days.data, entry.form.opens.data, entry.form.closes.data
        if not (days or opens or closes):
            continue
        kept = {
            k: v for k, v in (old[index] if index < len(old) else {}).items() if k not in ("days", "opens", "closes")
        }
        hours.append({**kept, "days": list(days or []), "opens": opens or "", "closes": closes or ""})
    record["hours"] = hours
    return record


def _office_page(agency_row: Agency, office: Office | None):
    existing = agency.office_record(office) if office else {}
    form_class = office_form(_rows(existing))
    form = form_class(data=_data(existing)) if request.method == "GET" else form_class()
    for entry in form.hours.entries:
        entry.form.days.choices = day_choices()
    status = 200
    unplaced: list[str] = []
    if request.method == "POST" and not request.form.get("more"):
        status = 400
        if form.validate_on_submit():
            try:
                with database().transaction() as session:
                    saved = agency.save_office(
                        session,
                        actor(),
                        _record(form, existing, agency_row.slug),
                        office_id=office.id if office else None,
                    )
                    office_id = saved.id
            except InvalidInput as refused:
                flat = {
                    ("/" + "/".join(p for p in k.split("/") if p not in ("", "address"))): m
                    for k, m in refused.errors.items()
                }
                unplaced = show_errors(form, InvalidInput(flat))
            else:
                flash(_("Saved."))
                return redirect(url_for("agency.edit_office", office_id=office_id))
    return page("office.html", form=form, agency=agency_row, office=office, unplaced=unplaced), status


@blueprint.get("/agencies/<agency_id>/offices")
@login_required
def offices(agency_id: str):
    agency_row = request_session().get(Agency, agency_id)
    if agency_row is None:
        abort(404)
    return page("offices.html", agency=agency_row, offices=agency.offices_of(request_session(), actor(), agency_id))


@blueprint.route("/agencies/<agency_id>/offices/new", methods=["GET", "POST"])
@login_required
def new_office(agency_id: str):
    agency_row = request_session().get(Agency, agency_id)
    if agency_row is None:
        abort(404)
    agency.require(actor(), agency.Action.SERVICE_CREATE, agency_row)
    return _office_page(agency_row, None)


@blueprint.route("/offices/<office_id>", methods=["GET", "POST"])
@login_required
def edit_office(office_id: str):
    office = agency.office_for(request_session(), actor(), office_id)
    if office.agency is None:
        abort(404)  # shared offices (no agency) are the catalogue's, kept by import
    return _office_page(office.agency, office)
