"""The agency blueprint and what its pages share: who is acting, the language, and turning the domain's
refusals into pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field
from wtforms.form import BaseForm

from finder.agency import Actor, InvalidInput, NotFound, PermissionDenied, TokenInvalid
from finder.web import language

blueprint = Blueprint("agency", __name__, url_prefix="/agency", template_folder="templates")


def actor() -> Actor:
    """The signed-in person as the agency face's Actor (anonymous when nobody is signed in)."""
    if current_user.is_authenticated:
        return Actor.of_user(current_user)
    return Actor.anonymous()


def agency_pages(pages: Blueprint) -> None:
    """What every signed-in agency page shares, on `pages` (this blueprint, or another domain's pages under /agency/,
    such as the take-up entry): the language from ?lang=, no caching, and the face's refusals as pages."""
    pages.before_request(_language)
    pages.after_request(_no_store)
    pages.register_error_handler(PermissionDenied, _forbidden)
    pages.register_error_handler(NotFound, _not_found)


def _language() -> None:
    # The pages have no language prefix (invitation links are fixed); ?lang= switches, and the choice is kept.
    chosen = request.args.get("lang")
    if chosen in current_app.config["FINDER"].languages:
        g.language = chosen


def _no_store(response: Response) -> Response:
    # Pages with people's data and one-time secrets must not stay in shared caches or the back button's.
    response.headers.setdefault("Cache-Control", "no-store")
    language.remember(response)
    return response


def _forbidden(_error: PermissionDenied):
    return render_template("error.html", status=403, message=_("You do not have permission to do that.")), 403


def _not_found(_error: NotFound):
    return render_template("error.html", status=404, message=_("We cannot find that record.")), 404


agency_pages(blueprint)


@blueprint.errorhandler(TokenInvalid)
def _bad_link(_error: TokenInvalid):
    message = _("This link is unknown, already used or expired. Ask for a new one.")
    return render_template("error.html", status=400, message=message), 400


blueprint.add_app_template_global(language.autonym, "language_name")


@blueprint.app_template_global()
def text_dir(code: str) -> str:
    """The writing direction of text in a language, for the dir attribute of its inputs."""
    return "rtl" if code in language.RIGHT_TO_LEFT else "ltr"


@blueprint.app_template_global()
def agency_language_links() -> list[tuple[str, str, str]]:
    """(code, name, URL) for each language: this agency page with ?lang= set."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    return [
        (code, language.autonym(code), request.path + "?" + urlencode({**args, "lang": code}))
        for code in current_app.config["FINDER"].languages
    ]


def fields_by_name(form: BaseForm) -> dict[str, Field]:
    """Every field of a form, nested ones included, by its HTML name ("channels-0-value")."""
    found: dict[str, Field] = {}
    for field in form:
        if hasattr(field, "entries"):  # FieldList
            for entry in field.entries:
                found.update(fields_by_name(entry.form) if hasattr(entry, "form") else {entry.name: entry})
        elif hasattr(field, "form") and isinstance(field.form, BaseForm):  # FormField
            found.update(fields_by_name(field.form))
        else:
            found[field.name] = field
    return found


@blueprint.app_template_global()
def error_list(form: BaseForm) -> list[tuple[str, str]]:
    """(field id, message) for every error on the form, in the form's order: the error summary's links."""
    found = []
    for field in fields_by_name(form).values():
        for message in field.errors or ():
            if field.type == "CSRFTokenField":
                message = _("This form has expired. Please reload the page and send it again.")
            found.append((field.id, str(message)))
    return found


def show_errors(form: BaseForm, refused: InvalidInput, prefix: str = "") -> list[str]:
    """Put the domain's errors (by JSON pointer) on the form's fields; returns those that fit no field."""
    fields = fields_by_name(form)
    prefix = prefix or getattr(form, "_prefix", "")
    unplaced = []
    for pointer, lazy_message in refused.errors.items():
        # Read now, in the page's language; as text, so that the template escapes it (a lazy string's __html__
        # would pass it through unescaped, and messages quote what was sent).
        message = str(lazy_message)
        name = prefix + "-".join(part for part in pointer.split("/") if part)
        field = fields.get(name)
        if field is None:
            unplaced.append(message)
        else:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    return unplaced


def untranslated_links(
    missing: dict[str, list[str]], form: BaseForm, own_field: Callable[[str, str], tuple[str, str]]
) -> dict[str, list[tuple[str, str]]]:
    """`agency.untranslated`'s pointers as (field id, label) per language: `own_field(language, name)` for the
    record's own fields, "<kind>-<n>-tr-<language>-<name>" labelled "Cost 2: Details" for a sub-record's."""
    from finder.agency.web.forms import ROW_NAMES

    found: dict[str, list[tuple[str, str]]] = {}
    for code, pointers in missing.items():
        for pointer in pointers:
            parts = pointer.strip("/").split("/")
            if len(parts) == 1:
                link = own_field(code, parts[0])
            else:
                kind, index, name = parts
                # Every row has the same labels; the first always exists, even when fewer rows were posted.
                row = getattr(form, kind).entries[0].form
                link = (
                    f"{kind}-{index}-tr-{code}-{name}",
                    f"{ROW_NAMES[kind](int(index) + 1)}: {row[name].label.text}",
                )
            found.setdefault(code, []).append(link)
    return found


def page(template: str, **context: Any) -> str:
    return render_template(f"agency/{template}", **context)
