"""An agency's offices: the address, phone, access and opening hours that its services' pages show."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from finder import agency
from finder.agency import InvalidInput
from finder.agency.checks import e164
from finder.agency.web.blueprint import actor, blueprint, page, show_errors, untranslated_links
from finder.agency.web.forms import OFFICE_TEXTS, day_choices, office_form
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


def _languages() -> tuple[list[str], str]:
    settings = current_app.config["FINDER"]
    return list(settings.languages), settings.default_language


def _translations_data(record: dict[str, Any], texts: tuple[str, ...]) -> dict[str, Any]:
    languages, default = _languages()
    translations = record.get("translations") or {}
    return {code: {f: translations.get(code, {}).get(f) for f in texts} for code in languages if code != default}


def _data(record: dict[str, Any]) -> dict[str, Any]:
    address = record.get("address", {})
    return {
        **{f: record.get(f) for f in ("slug", "name", "description", "phone", "accessibility")},
        **{f: address.get(f) for f in ADDRESS},
        **{f: "" if record.get(f) is None else str(record[f]) for f in ("latitude", "longitude")},
        "tr": _translations_data(record, OFFICE_TEXTS),
        "hours": [
            {
                "days": h["days"],
                "opens": h["opens"],
                "closes": h["closes"],
                "description": h.get("description"),
                "tr": _translations_data(h, ("description",)),
            }
            for h in record.get("hours", [])
        ],
    }


def _posted_translations(form, texts: tuple[str, ...], old: dict[str, Any]) -> dict[str, Any]:
    """The translations posted on a form with a `tr` sub-form; those of languages no longer offered are kept."""
    translations = {
        code: fields for code, fields in (old.get("translations") or {}).items() if code not in form.tr.form
    }
    for code, language_field in form.tr.form._fields.items():
        fields = {f: value for f in texts if (value := (language_field.form[f].data or "").strip())}
        if fields:
            translations[code] = fields
    return translations


def _record(form, existing: dict[str, Any], agency_slug: str) -> dict[str, Any]:
    """The native office record, keeping what the form does not show (ids, the address's other parts, extra)."""
    record = {k: v for k, v in existing.items() if k not in ("hours", "translations", "latitude", "longitude")}
    address = {k: v for k, v in existing.get("address", {}).items() if k not in ADDRESS}
    address.update({f: (getattr(form, f).data or "").strip() for f in ADDRESS if (getattr(form, f).data or "").strip()})
    address["country"] = address.get("country", "").upper()
    record.update(slug=form.slug.data.strip(), agency=agency_slug, name=form.name.data.strip(), address=address)
    for field in ("description", "phone", "accessibility"):
        value = (getattr(form, field).data or "").strip()
        if field == "phone" and value:
            value = e164(value) or value
        if value:
            record[field] = value
        else:
            record.pop(field, None)
    if (form.latitude.data or "").strip():
        record["latitude"] = float(form.latitude.data.strip().replace(",", "."))
        record["longitude"] = float(form.longitude.data.strip().replace(",", "."))
    if translations := _posted_translations(form, OFFICE_TEXTS, existing):
        record["translations"] = translations
    old = existing.get("hours", [])
    hours = []
    for index, entry in enumerate(form.hours.entries):
        days, opens, closes = entry.form.days.data, entry.form.opens.data, entry.form.closes.data
        note = (entry.form.description.data or "").strip()
        if not (days or opens or closes or note):
            continue
        previous = old[index] if index < len(old) else {}
        kept = {
            k: v for k, v in previous.items() if k not in ("days", "opens", "closes", "description", "translations")
        }
        row = {**kept, "days": list(days or []), "opens": opens or "", "closes": closes or ""}
        if note:
            row["description"] = note
        if translations := _posted_translations(entry.form, ("description",), previous):
            row["translations"] = translations
        hours.append(row)
    record["hours"] = hours
    return record


def _office_page(agency_row: Agency, office: Office | None):
    existing = agency.office_record(office) if office else {}
    form_class = office_form(_rows(existing), *_languages())
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
                # The form flattens the address and names translations "tr".
                flat = {
                    "/"
                    + "/".join("tr" if p == "translations" else p for p in k.split("/") if p not in ("", "address")): m
                    for k, m in refused.errors.items()
                }
                unplaced = show_errors(form, InvalidInput(flat))
            else:
                flash(_("Saved."))
                return redirect(url_for("agency.edit_office", office_id=office_id))
    languages, default = _languages()
    missing = agency.untranslated(office, tuple(languages), default) if office else {}
    untranslated = untranslated_links(
        missing, form, lambda code, name: (f"tr-{code}-{name}", str(form[name].label.text))
    )
    return page(
        "office.html",
        form=form,
        agency=agency_row,
        office=office,
        unplaced=unplaced,
        default_language=default,
        untranslated=untranslated,
    ), status


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
