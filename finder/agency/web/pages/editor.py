"""The service editor: every field, translations side by side, repeated sub-records with "add another" rows,
the back end's checks per field, a preview of the citizen page, workflow buttons, and history with diff and
restore. Every write goes through `agency.save_service`, `transition`, `restore` or `confirm_reviewed`."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import or_, select
from wtforms import SelectChoice

from finder import agency
from finder.agency import Action, InvalidInput, WorkflowError
from finder.agency.web.blueprint import actor, blueprint, fields_by_name, page, show_errors, untranslated_links
from finder.agency.web.forms import (
    KIND_TITLES,
    LISTS,
    SUB_TEXTS,
    TEXTS,
    ActionForm,
    RetireForm,
    load_json,
    service_form,
)
from finder.agency.workflow import ACTION_FOR
from finder.catalogue.import_export import native
from finder.catalogue.models import Agency, Category, LifeEvent, Office, Service, ServiceStatus
from finder.db import database, request_session
from finder.web.pages.service_pages import page_context

KINDS = ("documents", "costs", "channels", "offices")
SUB_FIELDS = {
    "documents": ("name", "url"),
    "costs": ("label", "amount", "currency", "description", "valid_from", "valid_to"),
    "channels": ("kind", "value", "description"),
    "offices": ("office", "description"),
}
BLANK_ROWS = 1


def _languages() -> tuple[list[str], str]:
    settings = current_app.config["FINDER"]
    return list(settings.languages), settings.default_language


def _rows(existing: dict[str, Any], posted: bool) -> dict[str, int]:
    """Rows per repeated sub-record: what the record has (or what was posted) plus a blank one, and one more for
    the kind whose "add another" button was pressed."""
    rows = {}
    for kind in KINDS:
        if posted:
            numbers = {int(m.group(1)) for k in request.form if (m := re.match(rf"{kind}-(\d+)-", k))}
            count = max(numbers) + 1 if numbers else 0
        else:
            count = len(existing.get(kind, [])) + BLANK_ROWS
        rows[kind] = max(count, 1) + (posted and request.form.get("more") == kind)
    return rows


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _form_data(record: dict[str, Any]) -> dict[str, Any]:
    """The form's initial data from a native record."""
    languages, default = _languages()
    text = {}
    for code in languages:
        source = record if code == default else (record.get("translations") or {}).get(code, {})
        text[code] = {f: source.get(f) for f in TEXTS}
        text[code].update({f: "\n".join(source.get(f) or []) for f in LISTS})
    others = [code for code in languages if code != default]
    return {
        "slug": record.get("slug"),
        "text": text,
        **{kind: [_row_data(kind, item, others) for item in record.get(kind, [])] for kind in KINDS},
        "categories": record.get("categories", []),
        "life_events": record.get("life_events", []),
        "extra": json.dumps(record["extra"], indent=2, ensure_ascii=False) if record.get("extra") else "",
    }


def _row_data(kind: str, item: dict[str, Any], others: list[str]) -> dict[str, Any]:
    translations = item.get("translations") or {}
    return {
        **{f: item.get(f) for f in SUB_FIELDS[kind]},
        "tr": {code: {f: translations.get(code, {}).get(f) for f in SUB_TEXTS[kind]} for code in others},
    }


def _row_translations(kind: str, entry, old: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    """A row's translations as posted, with those of languages the site no longer offers kept as they were."""
    kept = {code: fields for code, fields in (old.get("translations") or {}).items() if code not in languages}
    for code, language_field in entry.form.tr.form._fields.items():
        values = language_field.form
        fields = {f: value for f in SUB_TEXTS[kind] if (value := (values[f].data or "").strip())}
        if fields:
            kept[code] = fields
    return kept


def _record(form, existing: dict[str, Any], agency_slug: str) -> dict[str, Any]:
    """The native record the form stands for, keeping what the form does not show (ids, sub-records'
    translations, extra data, last reviewed, replacement) from the stored one."""
    languages, default = _languages()
    record = {k: v for k, v in existing.items() if k not in ("status", "translations")}
    record.update(slug=form.slug.data.strip(), agency=agency_slug)
    texts = form.text.form
    for code in languages:
        values = getattr(texts, code).form
        fields = {f: (getattr(values, f).data or "").strip() or None for f in TEXTS}
        fields.update({f: _lines(getattr(values, f).data) for f in LISTS})
        if code == default:
            record.update({f: v for f, v in fields.items()})
        else:
            kept = {f: v for f, v in fields.items() if v}
            if kept:
                record.setdefault("translations", {})[code] = kept
    for field in TEXTS + LISTS:
        if record.get(field) in (None, []):
            record.pop(field, None)
    for kind in KINDS:
        old = existing.get(kind, [])
        items = []
        for index, entry in enumerate(getattr(form, kind).entries):
            item = {f: (getattr(entry.form, f).data or "").strip() for f in SUB_FIELDS[kind]}
            item = {f: v for f, v in item.items() if v}
            if (
                not item
                or (kind == "offices" and not item.get("office"))
                or (kind == "costs" and not (item.keys() & {"label", "amount"}))
            ):
                continue
            if kind == "channels":
                item["value"] = item.get("value", "")
            previous = old[index] if index < len(old) else {}
            kept = {k: v for k, v in previous.items() if k not in (*SUB_FIELDS[kind], "translations")}
            translations = _row_translations(kind, entry, previous, languages)
            items.append({**kept, **item, **({"translations": translations} if translations else {})})
        record[kind] = items
    record["categories"] = list(form.categories.data or [])
    record["life_events"] = list(form.life_events.data or [])
    record.pop("extra", None)
    if (form.extra.data or "").strip():
        record["extra"] = load_json(form.extra.data)
    return record


def _pointer_to_field(pointer: str) -> str:
    """A JSON pointer into the native record as the editor's field names it."""
    _, default = _languages()
    parts = [p for p in pointer.split("/") if p]
    if parts and parts[0] in TEXTS + LISTS:
        return f"/text/{default}/{parts[0]}"
    if len(parts) >= 3 and parts[0] == "translations":
        return f"/text/{parts[1]}/{parts[2]}"
    if len(parts) >= 5 and parts[0] in KINDS and parts[2] == "translations":
        return f"/{parts[0]}/{parts[1]}/tr/{parts[3]}/{parts[4]}"
    if parts and parts[0] == "extra":
        return "/extra"
    return pointer


def _field_name(pointer: str) -> str:
    return "-".join(p for p in _pointer_to_field(pointer).split("/") if p)


def _choices(form, agency_row: Agency) -> None:
    session = request_session()
    categories = session.scalars(select(Category).order_by(Category.name))
    form.categories.choices = [SelectChoice(c.slug, c.name) for c in categories]
    life_events = session.scalars(select(LifeEvent).order_by(LifeEvent.name))
    form.life_events.choices = [SelectChoice(e.slug, e.name) for e in life_events]
    offices = session.scalars(
        select(Office).where(or_(Office.agency_id.is_(None), Office.agency_id == agency_row.id)).order_by(Office.name)
    )
    office_choices = [SelectChoice("", "-"), *(SelectChoice(o.slug, o.name) for o in offices)]
    for entry in form.offices.entries:
        entry.form.office.choices = office_choices


def _findings(session, service: Service | None, form) -> dict[str, list[str]]:
    """The back end's checks on the service (stored, or about to be), by form field name ("" for the page)."""
    if service is None:
        return {}
    fields = fields_by_name(form)
    by_field: dict[str, list[str]] = {}
    for finding in agency.check_service(session, service):
        name = _field_name(finding.pointer)
        by_field.setdefault(name if name in fields else "", []).append(str(finding.message))
    return by_field


def _untranslated(service: Service | None, form) -> dict[str, list[tuple[str, str]]]:
    """Per language, (field id, label) of what has default-language text but no translation in it."""
    if service is None:
        return {}
    languages, default = _languages()
    labels = form.text.form[default].form
    return untranslated_links(
        agency.untranslated(service, tuple(languages), default),
        form,
        lambda code, name: (f"text-{code}-{name}", str(labels[name].label.text)),
    )


class _Checked(Exception):
    """Rolls back a save made only to run the checks on it ("Check without saving")."""

    def __init__(self, findings: dict[str, list[str]], untranslated: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__("checked, not saved")
        self.findings, self.untranslated = findings, untranslated


def _editor(agency_row: Agency, service: Service | None, refused_retire: RetireForm | None = None):
    """The editor page; after a refused retirement (`refused_retire`, with its errors) it shows the stored
    service again with the retirement form's errors."""
    who = actor()
    editing = request.method == "POST" and refused_retire is None
    if service is None:
        agency.require(who, Action.SERVICE_CREATE, agency_row)
        existing: dict[str, Any] = {}
    else:
        existing = native.export_service(service)
    languages, default = _languages()
    form_class = service_form(languages, default, _rows(existing, editing))
    form = form_class() if editing else form_class(formdata=None, data=_form_data(existing))
    _choices(form, agency_row)
    unplaced: list[str] = []
    checks = untranslated = None
    status = 400 if refused_retire else 200
    if editing and not request.form.get("more"):
        status = 400
        dry_run = bool(request.form.get("check"))
        if form.validate_on_submit():
            record = _record(form, existing, agency_row.slug)
            try:
                with database().transaction() as session:
                    saved = agency.save_service(
                        session,
                        who,
                        record,
                        service_id=service.id if service else None,
                        create=service is None,
                        note=form.note.data or None,
                    )
                    service_id = saved.service.id
                    if dry_run:
                        raise _Checked(_findings(session, saved.service, form), _untranslated(saved.service, form))
            except InvalidInput as refused:
                unplaced = show_errors(form, InvalidInput({_pointer_to_field(p): m for p, m in refused.errors.items()}))
            except _Checked as result:
                status, checks, untranslated = 200, result.findings, result.untranslated
                flash(_("Checked: nothing is saved yet. The notes are beside their fields."))
            else:
                flash(_("Saved."))
                return redirect(url_for("agency.edit_service", service_id=service_id))
    if checks is None:
        checks, untranslated = _findings(request_session(), service, form), _untranslated(service, form)
    return page(
        "editor.html",
        form=form,
        agency=agency_row,
        service=service,
        languages=languages,
        default_language=default,
        texts=TEXTS + LISTS,
        kinds=KINDS,
        kind_titles=KIND_TITLES,
        sub_texts=SUB_TEXTS,
        checks=checks,
        untranslated=untranslated,
        unplaced=unplaced,
        moves=_moves(service),
        action=ActionForm(formdata=None),
        retire=refused_retire or RetireForm(formdata=None),
    ), status


def _moves(service: Service | None) -> list[str]:
    """The statuses the signed-in person may move the service to now (the buttons to show)."""
    if service is None:
        return []
    who = actor()
    return [
        s.value
        for s in (ServiceStatus.SUBMITTED, ServiceStatus.PUBLISHED, ServiceStatus.RETIRED, ServiceStatus.DRAFT)
        if s in agency.TRANSITIONS[service.status] and agency.can(who, ACTION_FOR[s], service)
    ]


@blueprint.route("/agencies/<agency_id>/services/new", methods=["GET", "POST"])
@login_required
def new_service(agency_id: str):
    agency_row = request_session().get(Agency, agency_id)
    if agency_row is None:
        abort(404)
    return _editor(agency_row, None)


def _service(service_id: str, action: Action = Action.SERVICE_HISTORY) -> Service:
    return agency.service_for(request_session(), actor(), service_id, action)


@blueprint.route("/services/<service_id>", methods=["GET", "POST"])
@login_required
def edit_service(service_id: str):
    service = _service(service_id, Action.SERVICE_EDIT)
    return _editor(service.agency, service)


@blueprint.get("/services/<service_id>/preview")
@login_required
def preview(service_id: str):
    service = _service(service_id)
    # The citizen template's links carry a language, as on the citizen pages.
    g.language = request.args.get("lang") if request.args.get("lang") in _languages()[0] else _languages()[1]
    context = page_context(service)
    return render_template("service.html", **context, preview=url_for("agency.edit_service", service_id=service.id))


@blueprint.post("/services/<service_id>/status")
@login_required
def move(service_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        wanted = ServiceStatus(request.form.get("to", ""))
    except ValueError:
        abort(400)
    retire = RetireForm()
    try:
        with database().transaction() as session:
            service = agency.service_for(session, actor(), service_id)
            replacement = None
            slug = (retire.replaced_by.data or "").strip()
            if slug and wanted is ServiceStatus.RETIRED:
                replacement = session.scalar(select(Service).where(Service.slug == slug))
                if replacement is None:
                    raise InvalidInput({"/replaced_by": _("No service has the address %(slugs)s.", slugs=slug)})
            agency.transition(session, service, wanted, actor(), replaced_by=replacement)
            warnings = _submission_warnings(session, service, wanted)
    except InvalidInput as refused:
        show_errors(retire, refused)
        service = _service(service_id, Action.SERVICE_EDIT)
        return _editor(service.agency, service, refused_retire=retire)
    except WorkflowError as refused:
        flash(str(refused), "error")
    else:
        flash(_("The status is now: %(status)s.", status=status_name(wanted.value)))
        for warning in warnings:
            flash(warning, "error")
    return redirect(url_for("agency.edit_service", service_id=service_id))


def _submission_warnings(session, service: Service, wanted: ServiceStatus) -> list[str]:
    """What the person submitting or publishing should look at again (a similar service of another agency)."""
    if wanted not in (ServiceStatus.SUBMITTED, ServiceStatus.PUBLISHED):
        return []
    return [str(f.message) for f in agency.check_service(session, service) if f.kind == "warning"]


def status_name(status: str) -> str:
    return {
        "draft": _("draft"),
        "submitted": _("submitted"),
        "published": _("published"),
        "retired": _("retired"),
    }.get(status, status)


blueprint.add_app_template_global(status_name, "status_name")


@blueprint.post("/services/<service_id>/confirm")
@login_required
def confirm(service_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    with database().transaction() as session:
        service = agency.service_for(session, actor(), service_id)
        agency.confirm_reviewed(session, service, actor())
        agency_id = service.agency_id
    flash(_("Thank you: marked as still correct today."))
    return redirect(url_for("agency.dashboard", agency_id=agency_id))


@blueprint.get("/services/<service_id>/history")
@login_required
def history(service_id: str):
    service = _service(service_id)
    return page("history.html", service=service, versions=agency.versions(request_session(), actor(), service))


@blueprint.get("/services/<service_id>/history/<int:number>")
@login_required
def version(service_id: str, number: int):
    service = _service(service_id)
    session = request_session()
    shown = agency.version(session, actor(), service, number)
    earlier = agency.version(session, actor(), service, number - 1) if number > 1 else None
    return page(
        "version.html",
        service=service,
        version=shown,
        changes=agency.diff(earlier, shown),
        action=ActionForm(),
        may_restore=agency.can(actor(), Action.SERVICE_EDIT, service),
    )


@blueprint.post("/services/<service_id>/history/<int:number>/restore")
@login_required
def restore(service_id: str, number: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with database().transaction() as session:
            service = agency.service_for(session, actor(), service_id, Action.SERVICE_EDIT)
            agency.restore(session, agency.version(session, actor(), service, number), actor())
    except (InvalidInput, WorkflowError) as refused:
        flash(str(refused), "error")
    else:
        flash(_("Version %(number)s is restored as a new version.", number=number))
    return redirect(url_for("agency.edit_service", service_id=service_id))
