"""Joining and signing in: apply, sign in and out, accept an invitation, reset and change a password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from finder import agency
from finder.agency import AccountLocked, InvalidInput, LoginFailed, Role, TooManyAttempts, User
from finder.agency.mail import mailer
from finder.agency.web.blueprint import blueprint, page, show_errors
from finder.agency.web.forms import (
    ActionForm,
    ApplyForm,
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    ResetRequestForm,
)
from finder.db import database, request_session


def home_of(user: User) -> str:
    if user.role == Role.COORDINATOR:
        return url_for("agency.review")
    return url_for("agency.dashboard", agency_id=user.agency_id)


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: an open redirect would let a phishing link borrow the sign-in page.
    # Browsers read a backslash as a slash ("/\\evil.example" goes off the site): refuse any.
    if (
        target
        and target.startswith("/")
        and "\\" not in target
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return None


@blueprint.get("/")
@login_required
def home():
    return redirect(home_of(current_user))


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    problem = None
    if form.validate_on_submit():
        try:
            user = agency.authenticate(form.email.data, form.password.data)
        except AccountLocked:
            problem = _("This account is locked after too many failed sign-ins. Try again later or reset the password.")
        except TooManyAttempts:
            problem = _("Too many sign-ins from this address. Try again later.")
        except LoginFailed:
            problem = _("The email address or password is wrong.")
        else:
            user = _fresh_user(user.id)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_of(user))
    status = 200 if problem is None and not form.errors else 400 if request.method == "POST" else 200
    return page("login.html", form=form, problem=problem), status


@blueprint.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        with database().transaction() as session:
            agency.record_logout(session, session.get(User, current_user.id))
        logout_user()
    return redirect(url_for("agency.login"))


@blueprint.route("/apply", methods=["GET", "POST"])
def apply():
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                agency.apply_for_account(
                    session,
                    agency_name=form.agency_name.data,
                    contact_name=form.contact_name.data,
                    email=form.email.data,
                    message=form.message.data,
                )
        except InvalidInput as refused:
            show_errors(form, refused)
        else:
            return page(
                "message.html",
                title=_("Application sent"),
                message=_("Thank you. The national coordinating office will review your application and write to you."),
            )
    return page("apply.html", form=form), 400 if form.errors else 200


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    invited = agency.pending_invitation(request_session(), token)
    form, unplaced = NewPasswordForm(), []
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                user = agency.accept_invitation(session, token, form.password.data)
                user_id = user.id
        except InvalidInput as refused:
            unplaced = _password_errors(form, refused)
        else:
            login_user(_fresh_user(user_id))
            flash(_("Welcome. Your account is ready."))
            return redirect(home_of(current_user))
    status = 400 if form.errors or unplaced else 200
    return page("invitation.html", form=form, invitation=invited, unplaced=unplaced), status


def _fresh_user(user_id: str) -> User:
    """The account as just written by another transaction: the request's session ends its own first, which may
    predate the write (SQLite keeps a reader on its snapshot)."""
    session = request_session()
    session.rollback()
    return session.get(User, user_id)


def _password_errors(form, refused: InvalidInput) -> list[str]:
    """Show the face's errors on the form; it names the new password "/password" or "/new_password", the forms
    "password". Returns those that fit no field (an email taken meanwhile), for the error summary."""
    errors = {"/password" if pointer == "/new_password" else pointer: m for pointer, m in refused.errors.items()}
    return show_errors(form, InvalidInput(errors))


@blueprint.route("/password-reset", methods=["GET", "POST"])
def password_reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        with database().transaction() as session:
            link = agency.request_password_reset(session, form.email.data)
        # The page says the same whether or not the account exists. Only a development or test set-up without a
        # mail server shows the link: anywhere else that would hand anyone's account to whoever asks.
        settings = current_app.config["FINDER"]
        shown = link if mailer() is None and settings.env in ("development", "test") else None
        return page("reset_sent.html", link=shown)
    return page("reset_request.html", form=form), 400 if form.errors else 200


@blueprint.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    form, unplaced = NewPasswordForm(), []
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                agency.reset_password(session, token, form.password.data)
        except InvalidInput as refused:
            unplaced = _password_errors(form, refused)
        else:
            flash(_("Your password is changed. Sign in with it."))
            return redirect(url_for("agency.login"))
    return page("password_reset.html", form=form, unplaced=unplaced), 400 if form.errors or unplaced else 200


@blueprint.route("/password", methods=["GET", "POST"])
@login_required
def password_change():
    form, unplaced = ChangePasswordForm(), []
    if form.validate_on_submit():
        try:
            with database().transaction() as session:
                user = session.get(User, current_user.id)
                agency.change_password(session, user, form.current_password.data, form.password.data)
        except InvalidInput as refused:
            unplaced = _password_errors(form, refused)
        else:
            # The session is tied to the old password: sign in again with the new one.
            login_user(_fresh_user(current_user.id), fresh=True)
            flash(_("Your password is changed."))
            return redirect(url_for("agency.home"))
    return page("password_change.html", form=form, unplaced=unplaced), 400 if form.errors or unplaced else 200


@blueprint.app_template_filter("when")
def when(value) -> str:
    return format_datetime(value, "medium") if value else ""
