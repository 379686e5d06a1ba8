"""An agency's own desk: its dashboard (services and what is stale), its people and its API tokens."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from finder import agency
from finder.agency import Action, InvalidInput, Role
from finder.agency.web.blueprint import actor, blueprint, page, show_errors
from finder.agency.web.forms import ActionForm, InviteForm, RoleForm, TokenForm, role_choices
from finder.catalogue.models import Agency
from finder.db import database, request_session


def _agency(agency_id: str) -> Agency:
    found = request_session().get(Agency, agency_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("/agencies/<agency_id>/")
@login_required
def dashboard(agency_id: str):
    who, session = actor(), request_session()
    services = agency.services_of(session, who, agency_id)
    months = current_app.config["FINDER"].stale_months
    stale = agency.stale_services(session, who, months=months, agency_id=agency_id)
    return page(
        "dashboard.html",
        agency=_agency(agency_id),
        services=services,
        stale=stale,
        months=months,
        form=ActionForm(),
        may_manage=agency.can(who, Action.PEOPLE_INVITE, agency_id),
    )


@blueprint.route("/agencies/<agency_id>/people", methods=["GET", "POST"])
@login_required
def people(agency_id: str):
    who = actor()
    form = InviteForm()
    form.role.choices = role_choices()
    link = None
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                _, link = agency.invite(session, who, agency_id, form.email.data, Role(form.role.data))
        except InvalidInput as refused:
            show_errors(form, refused)
        else:
            form = InviteForm(formdata=None)
            form.role.choices = role_choices()
    members = agency.people_of(request_session(), who, agency_id)
    role_forms = {}
    for member in members:
        role_form = RoleForm(prefix=f"u{member.id}", formdata=None, role=member.role)
        role_form.role.choices = role_choices()
        role_forms[member.id] = role_form
    status = 400 if form.errors else 201 if link else 200
    return page(
        "people.html",
        agency=_agency(agency_id),
        members=members,
        form=form,
        role_forms=role_forms,
        action=ActionForm(),
        link=link,
        me=who.user_id,
    ), status


@blueprint.post("/agencies/<agency_id>/people/<user_id>/role")
@login_required
def change_role(agency_id: str, user_id: str):
    form = RoleForm(prefix=f"u{user_id}")
    form.role.choices = role_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        with database().transaction() as session:
            agency.change_role(session, actor(), user_id, Role(form.role.data))
    except InvalidInput as refused:
        flash(" ".join(map(str, refused.errors.values())), "error")
    else:
        flash(_("The role is changed."))
    return redirect(url_for("agency.people", agency_id=agency_id))


@blueprint.post("/agencies/<agency_id>/people/<user_id>/active")
@login_required
def set_active(agency_id: str, user_id: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        with database().transaction() as session:
            agency.set_active(session, actor(), user_id, active)
    except InvalidInput:
        flash(_("You cannot deactivate your own account."))
    else:
        flash(_("The account is reactivated.") if active else _("The account is deactivated."))
    return redirect(url_for("agency.people", agency_id=agency_id))


@blueprint.route("/agencies/<agency_id>/tokens", methods=["GET", "POST"])
@login_required
def tokens(agency_id: str):
    who = actor()
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                _, secret = agency.create_token(session, who, agency_id, form.name.data)
        except InvalidInput as refused:
            show_errors(form, refused)
        else:
            form = TokenForm(formdata=None)
    rows = agency.tokens_of(request_session(), who, agency_id)
    status = 400 if form.errors else 201 if secret else 200
    return page(
        "tokens.html", agency=_agency(agency_id), tokens=rows, form=form, action=ActionForm(), secret=secret
    ), status


@blueprint.post("/agencies/<agency_id>/tokens/<token_id>/revoke")
@login_required
def revoke_token(agency_id: str, token_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    with database().transaction() as session:
        agency.revoke_token(session, actor(), token_id)
    flash(_("The token is revoked."))
    return redirect(url_for("agency.tokens", agency_id=agency_id))
