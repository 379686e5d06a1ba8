"""The agency page where a service's monthly transactions by channel are entered, for digital take-up.

/agency/services/<id>/transactions: the form, and the months entered so far (?month=YYYY-MM fills the form with a
month to correct it). People of the service's agency (admins and editors) and the coordinator may use it, as the
permission matrix says (Action.TRANSACTIONS_RECORD). Like the other agency pages it has no language prefix:
?lang= switches the language and the choice is kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from finder import agency, catalogue
from finder.agency import Action, Actor
from finder.agency.web import agency_pages
from finder.db import database, request_session
from finder.metrics.forms import TransactionsForm
from finder.metrics.transactions import (
    TRANSACTION_CHANNELS,
    InvalidTransactions,
    digital_take_up,
    entered,
    parse_month,
    record_transactions,
    transactions_of,
)
from finder.web import language

blueprint = Blueprint("transactions", __name__, url_prefix="/agency", template_folder="templates")


agency_pages(blueprint)


@blueprint.route("/services/<service_id>/transactions", methods=["GET", "POST"])
@login_required
def enter(service_id: str) -> Any:
    actor = Actor.of_user(current_user)
    session = request_session()
    service = agency.service_for(session, actor, service_id, Action.TRANSACTIONS_RECORD)
    form = TransactionsForm()
    status = 200
    if request.method == "GET":
        _fill(form, session, service.id)
    elif form.validate_on_submit():
        try:
            with database().transaction() as writing:
                record_transactions(writing, actor, service.id, form.month_date(), form.counts())
        except InvalidTransactions as refused:
            # The form checks what the domain checks; this is a month that began between the two clocks' readings.
            form.month.errors = [*form.month.errors, refused.errors.get("/month", str(refused))]
            status = 400
        else:
            flash(_("Saved the transactions of %(month)s.", month=form.month.data.strip()))
            return redirect(url_for("transactions.enter", service_id=service.id))
    else:
        status = 400
    settings = current_app.config["FINDER"]
    name = catalogue.localised(service, "name", language.page_language(), settings.default_language).value
    return render_template(
        "metrics/transactions.html",
        form=form,
        service=service,
        service_name=name,
        months=transactions_of(session, service.id),
        channels=TRANSACTION_CHANNELS,
        take_up=digital_take_up,
    ), status


def _fill(form: TransactionsForm, session, service_id: str) -> None:
    """?month=YYYY-MM: the form shows that month as entered, to correct it."""
    month = parse_month(request.args.get("month", ""))
    if month is None:
        return
    form.month.data = month.strftime("%Y-%m")
    row = entered(session, service_id, month)
    if row is not None:
        for channel in TRANSACTION_CHANNELS:
            getattr(form, channel).data = str(getattr(row, channel))
