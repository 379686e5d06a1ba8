"""The coordinating office's desk: applications, agencies, the review queue, the stale report, the audit log and
the search vocabulary (synonyms and best bets, effective at the next search)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms import SelectChoice

from finder import agency, catalogue, search
from finder.agency import Action, ApplicationStatus, InvalidInput
from finder.agency.web.blueprint import actor, blueprint, page, show_errors
from finder.agency.web.forms import ActionForm, BestBetForm, RejectForm, SynonymForm
from finder.catalogue.models import Service
from finder.db import database, request_session
from finder.search.models import BestBet, SynonymRule
from finder.web.language import autonym

PER_PAGE = 50


@blueprint.get("/applications")
@login_required
def applications():
    pending = agency.applications(request_session(), actor(), ApplicationStatus.PENDING)
    return page(
        "applications.html",
        applications=pending,
        action=ActionForm(),
        reject=RejectForm(formdata=None),
        agencies=_all_agencies(),
    )


def _all_agencies():
    return catalogue.agencies(request_session(), per_page=10_000).items


@blueprint.post("/applications/<application_id>/approve")
@login_required
def approve(application_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    # Approval may link the applicant to an agency already in the catalogue instead of creating one.
    existing = (request.form.get("agency_id") or "").strip()[:64] or None
    try:
        with database().transaction() as session:
            found, _invitation, link = agency.approve_application(session, actor(), application_id, agency_id=existing)
            name = found.name
    except InvalidInput as refused:
        flash(" ".join(map(str, refused.errors.values())))
        return redirect(url_for("agency.applications"))
    return page("approved.html", agency_name=name, link=link)


@blueprint.post("/applications/<application_id>/reject")
@login_required
def reject(application_id: str):
    form = RejectForm()
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                agency.reject_application(session, actor(), application_id, form.reason.data)
        except InvalidInput as refused:
            show_errors(form, refused)
        else:
            flash(_("The application is rejected."))
            return redirect(url_for("agency.applications"))
    agency.require(actor(), Action.APPLICATION_DECIDE)
    pending = agency.applications(request_session(), actor(), ApplicationStatus.PENDING)
    return page(
        "applications.html",
        applications=pending,
        action=ActionForm(),
        reject=form,
        rejecting=application_id,
        agencies=_all_agencies(),
    ), 400


@blueprint.get("/agencies")
@login_required
def agencies():
    agency.require(actor(), Action.APPLICATION_DECIDE)
    # Every agency on one page: the coordinator looks down the whole list.
    return page("agencies.html", agencies=_all_agencies())


@blueprint.get("/review")
@login_required
def review():
    queue = agency.review_queue(request_session(), actor())
    return page("review.html", queue=queue, action=ActionForm())


@blueprint.get("/stale")
@login_required
def stale():
    months = current_app.config["FINDER"].stale_months
    rows = agency.stale_services(request_session(), actor(), months=months)
    return page("stale.html", services=rows, months=months, action=ActionForm())


@blueprint.get("/audit")
@login_required
def audit_log():
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        abort(400)
    kind = (request.args.get("action") or "").strip()[:50] or None
    events, total = agency.audit_log(request_session(), actor(), action=kind, page=number, per_page=PER_PAGE)
    return page("audit.html", events=events, total=total, number=number, per_page=PER_PAGE, kind=kind)


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, autonym(code)) for code in current_app.config["FINDER"].languages]


@blueprint.route("/vocabulary", methods=["GET", "POST"])
@login_required
def vocabulary():
    agency.require(actor(), Action.VOCABULARY_EDIT)
    synonym, best = SynonymForm(prefix="synonym"), BestBetForm(prefix="best")
    synonym.language.choices = best.language.choices = _language_choices()
    wanted = " ".join(request.args.get("query", "").split())[:200]
    if request.method == "GET" and wanted:
        # From the unmet demand on the metrics dashboard: the search that found nothing, ready to complete.
        synonym.rule.data = f"{wanted} => "
        best.query.data = wanted
    status = 200
    if request.method == "POST":
        form = synonym if "synonym-rule" in request.form else best
        status = 400
        if form.validate_on_submit():
            try:
                with database().transaction() as session:
                    if form is synonym:
                        search.add_synonym_rule(session, form.language.data, form.rule.data)
                    else:
                        search.set_best_bets(session, form.language.data, form.query.data, _service_ids(session, form))
            except search.RuleError as bad:
                synonym.rule.errors = [str(bad)]
            except InvalidInput as refused:
                show_errors(form, refused)
            else:
                flash(_("Saved. Searches use it from now on."))
                return redirect(url_for("agency.vocabulary"))
    session = request_session()
    rules = session.scalars(select(SynonymRule).order_by(SynonymRule.language, SynonymRule.rule)).all()
    bets = session.scalars(select(BestBet).order_by(BestBet.language, BestBet.query, BestBet.position)).all()
    return page("vocabulary.html", synonym=synonym, best=best, rules=rules, bets=bets), status


def _service_ids(session, form: BestBetForm) -> list[str]:
    slugs = [s.strip() for s in (form.services.data or "").split(",") if s.strip()]
    found = dict(session.execute(select(Service.slug, Service.id).where(Service.slug.in_(slugs))).all())
    missing = [s for s in slugs if s not in found]
    if missing:
        raise InvalidInput({"/services": _("No service has the address %(slugs)s.", slugs=", ".join(missing))})
    return [found[s] for s in slugs]
