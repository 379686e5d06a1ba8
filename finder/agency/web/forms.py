"""The agency pages' forms (Flask-WTF: CSRF on each). They check the shape of the input; the agency face checks
the rest (passwords' strength, emails taken, the workflow) and its errors are shown on these fields."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from finder.agency import Role
from finder.agency.accounts import EMAIL
from finder.agency.checks import e164

REQUIRED = _("This field is required.")


def Email() -> Regexp:
    """The back end's own email rule (WTForms' Email validator needs another package for the same check)."""
    return Regexp(EMAIL, message=_("Enter an email address such as name@agency.gov"))


class LoginForm(FlaskForm):
    email = EmailField(_("Email address"), [DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_("Password"), [DataRequired(REQUIRED), Length(max=1000)])


class ApplyForm(FlaskForm):
    agency_name = StringField(_("Agency name"), [DataRequired(REQUIRED), Length(min=2, max=300)])
    contact_name = StringField(_("Your name"), [DataRequired(REQUIRED), Length(min=2, max=200)])
    email = EmailField(_("Work email address"), [DataRequired(REQUIRED), Email(), Length(max=254)])
    message = TextAreaField(_("Why your agency wants to join (optional)"), [Optional(), Length(max=5000)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_("New password"), [DataRequired(REQUIRED), Length(min=12, max=1000)])
    confirm = PasswordField(
        _("New password again"), [DataRequired(REQUIRED), EqualTo("password", _("The passwords differ."))]
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_("Current password"), [DataRequired(REQUIRED), Length(max=1000)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_("Email address"), [DataRequired(REQUIRED), Email(), Length(max=254)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_("Reason for rejecting"), [DataRequired(REQUIRED), Length(min=3, max=2000)])


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (approve, revoke, confirm "still correct", restore, sign out)."""


class InviteForm(FlaskForm):
    email = EmailField(_("Email address"), [DataRequired(REQUIRED), Email(), Length(max=254)])
    role = SelectField(_("Role"), choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_("Role"), choices=[])


def role_choices() -> list[SelectChoice]:
    return [
        SelectChoice(Role.AGENCY_EDITOR.value, _("Editor")),
        SelectChoice(Role.AGENCY_ADMIN.value, _("Administrator")),
    ]


class TokenForm(FlaskForm):
    name = StringField(_("Token name"), [DataRequired(REQUIRED), Length(min=2, max=100)])


class SynonymForm(FlaskForm):
    language = SelectField(_("Language"), choices=[])
    rule = StringField(_("Synonym rule"), [DataRequired(REQUIRED), Length(max=500)])


class BestBetForm(FlaskForm):
    language = SelectField(_("Language"), choices=[])
    query = StringField(_("Search words"), [DataRequired(REQUIRED), Length(max=200)])
    services = StringField(_("Service addresses (slugs), comma separated"), [Length(max=2000)])


class RetireForm(FlaskForm):
    replaced_by = StringField(_("Replaced by (the address of the new service, optional)"), [Length(max=120)])


# The service editor -------------------------------------------------------------------------------------------


def web_address(_form, field) -> None:
    if field.data and urlsplit(field.data).scheme not in ("http", "https"):
        raise ValidationError(_("Enter a web address starting with https://"))


DATE = r"^\d{4}-\d{2}-\d{2}$"


def real_date(_form, field) -> None:
    """After the shape check (DATE), which reports a wrong shape: a day that exists, not 2026-13-45."""
    if not re.match(DATE, field.data or ""):
        return
    try:
        dt.date.fromisoformat(field.data)
    except ValueError:
        raise ValidationError(_("Enter a date such as 2026-04-01")) from None


class DocumentForm(Form):
    name = StringField(_("Document"), [Optional(), Length(max=2000)])
    url = StringField(_("Web address"), [Optional(), Length(max=2000), web_address])


class CostForm(Form):
    label = StringField(_("What the cost is for"), [Optional(), Length(max=300)])
    amount = StringField(
        _("Amount"), [Optional(), Regexp(r"^\d{1,12}(\.\d{1,4})?$", message=_("Enter a number such as 25.00"))]
    )
    currency = StringField(
        _("Currency"), [Optional(), Regexp(r"^[A-Za-z]{3}$", message=_("Enter a three-letter code such as EUR"))]
    )
    description = StringField(_("Details"), [Optional(), Length(max=2000)])
    valid_from = StringField(
        _("Valid from (YYYY-MM-DD)"),
        [Optional(), Regexp(DATE, message=_("Enter a date such as 2026-04-01")), real_date],
    )
    valid_to = StringField(
        _("Valid until (YYYY-MM-DD)"),
        [Optional(), Regexp(DATE, message=_("Enter a date such as 2026-04-01")), real_date],
    )


CHANNEL_KINDS = ("", "online", "phone", "sms", "email")


class ChannelForm(Form):
    kind = SelectField(
        _("Kind"),
        choices=[
            SelectChoice("", "-"),
            SelectChoice("online", _("Online")),
            SelectChoice("phone", _("Phone")),
            SelectChoice("sms", _("SMS")),
            SelectChoice("email", _("Email")),
        ],
        validate_choice=False,  # checked with the value below, where a blank row is allowed
    )
    value = StringField(_("Address or number"), [Optional(), Length(max=2000)])
    description = StringField(_("Details"), [Optional(), Length(max=2000)])

    def validate_value(self, field) -> None:
        kind, value = self.kind.data or "", (field.data or "").strip()
        if kind not in CHANNEL_KINDS:
            raise ValidationError(_("Choose the kind of this channel."))
        if kind and not value:
            raise ValidationError(REQUIRED)
        if value and not kind:
            raise ValidationError(_("Choose the kind of this channel."))
        if kind in ("phone", "sms") and e164(value) is None:
            raise ValidationError(_("Enter the number in international form, such as +44 20 7946 0430."))
        if kind == "online":
            web_address(self, field)


class OfficeLinkForm(Form):
    # Unknown offices are refused by the save, with the field named; blank rows are skipped.
    office = SelectField(_("Office"), choices=[], validate_choice=False)
    description = StringField(_("Details"), [Optional(), Length(max=2000)])


# The text fields of each repeated sub-record that carry translations (the catalogue's TRANSLATABLE).
SUB_TEXTS = {
    "documents": ("name",),
    "costs": ("label", "description"),
    "channels": ("description",),
    "offices": ("description",),
}


def with_translations(row: type[Form], texts: tuple[str, ...], languages: list[str]) -> type[Form]:
    """`row` with a `tr` sub-form holding, for each of `languages`, a field per text of `texts` (the row's own
    field is the default language's); a translation needs the default language's text beside it."""

    class Language(Form):
        pass

    for name in texts:
        own = getattr(row, name)
        setattr(Language, name, own.field_class(own.args[0], [Optional(), Length(max=20000)]))

    class Languages(Form):
        pass

    for code in languages:
        setattr(Languages, code, FormField(Language))

    class Translated(row):
        tr = FormField(Languages)

        def validate(self, extra_validators=None) -> bool:
            valid = super().validate(extra_validators)
            for name in texts:
                own = getattr(self, name)
                if not (own.data or "").strip() and any(
                    (getattr(self.tr.form[code].form, name).data or "").strip() for code in languages
                ):
                    own.errors = [*own.errors, _("Fill this in first: the other languages translate it.")]
                    valid = False
            return valid

    return Translated


class NotJson(ValueError):
    """NaN or Infinity: Python's json reads them, but they are not JSON, and PostgreSQL's json type refuses them."""


def _no_constant(name: str) -> None:
    raise NotJson(name)


def load_json(text: str) -> Any:
    """Strict JSON: what `json.loads` reads, without NaN and Infinity (NotJson)."""
    return json.loads(text, parse_constant=_no_constant)


def json_object(_form, field) -> None:
    """The field holds a JSON object (HSDS fields with no home in the model); says where the JSON is wrong."""
    if not (field.data or "").strip():
        return
    try:
        value = load_json(field.data)
    except RecursionError:
        raise ValidationError(_("This JSON is nested too deeply.")) from None
    except NotJson as constant:
        raise ValidationError(
            _("%(value)s is not a JSON value: write null or a number instead.", value=str(constant))
        ) from None
    except json.JSONDecodeError as error:
        raise ValidationError(
            _(
                "This is not valid JSON: %(problem)s at line %(line)s, column %(column)s.",
                problem=error.msg,
                line=error.lineno,
                column=error.colno,
            )
        ) from None
    if not isinstance(value, dict):
        raise ValidationError(_('Enter a JSON object, such as {"accreditations": ["ISO 9001"]}.'))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
TEXTS = ("name", "summary", "description", "eligibility", "processing_time", "how_to_apply")
LISTS = ("alternate_names", "keywords")


def translation_form(required: bool) -> type[Form]:
    """The translatable fields of a service in one language (required ones only in the default language)."""
    need = [DataRequired(REQUIRED)] if required else [Optional()]

    class Translation(Form):
        name = StringField(_("Name"), [*need, Length(max=300)])
        summary = TextAreaField(_("Summary"), [*need, Length(max=2000)])
        description = TextAreaField(_("Description"), [Optional(), Length(max=20000)])
        eligibility = TextAreaField(_("Who can use it"), [Optional(), Length(max=20000)])
        processing_time = StringField(_("How long it takes"), [Optional(), Length(max=2000)])
        how_to_apply = TextAreaField(_("How to apply"), [Optional(), Length(max=20000)])
        alternate_names = TextAreaField(_("Other names (one a line)"), [Optional(), Length(max=5000)])
        keywords = TextAreaField(_("Keywords (one a line)"), [Optional(), Length(max=5000)])

    return Translation


def slug_field() -> StringField:
    """The end of a record's web address, which services and offices both have."""
    return StringField(
        _("Web address (slug)"),
        [
            DataRequired(REQUIRED),
            Length(max=120),
            Regexp(SLUG, message=_("Use lower-case letters, digits and dashes.")),
        ],
    )


def service_form(languages: list[str], default_language: str, rows: dict[str, int]) -> type[FlaskForm]:
    """The editor's form class for these languages, with `rows[kind]` rows of each repeated sub-record."""

    class Languages(Form):
        pass

    for code in languages:
        setattr(Languages, code, FormField(translation_form(code == default_language)))

    others = [code for code in languages if code != default_language]
    row = {kind: with_translations(form, SUB_TEXTS[kind], others) for kind, form in ROWS.items()}

    class ServiceForm(FlaskForm):
        slug = slug_field()
        text = FormField(Languages)
        documents = FieldList(FormField(row["documents"]), min_entries=rows["documents"])
        costs = FieldList(FormField(row["costs"]), min_entries=rows["costs"])
        channels = FieldList(FormField(row["channels"]), min_entries=rows["channels"])
        offices = FieldList(FormField(row["offices"]), min_entries=rows["offices"])
        categories = MultiCheckboxField(_("Categories"), choices=[])
        life_events = MultiCheckboxField(_("Life events"), choices=[])
        extra = TextAreaField(
            _("Other data (JSON): fields of the Open Referral standard that have no place above"),
            [Optional(), Length(max=100_000), json_object],
        )
        note = StringField(_("What you changed (optional)"), [Optional(), Length(max=300)])
        more = HiddenField()

    return ServiceForm


KIND_TITLES = {
    "documents": _("Documents to bring"),
    "costs": _("Costs"),
    "channels": _("Ways to use it: online, phone, SMS, email"),
    "offices": _("Offices"),
}
# One row of each kind, as the list of what is untranslated names it ("Cost 2: Details").
ROW_NAMES = {
    "documents": lambda number: _("Document %(number)s", number=number),
    "costs": lambda number: _("Cost %(number)s", number=number),
    "channels": lambda number: _("Channel %(number)s", number=number),
    "offices": lambda number: _("Office %(number)s", number=number),
    "hours": lambda number: _("Opening hours %(number)s", number=number),
}
ROWS: dict[str, type[Form]] = {
    "documents": DocumentForm,
    "costs": CostForm,
    "channels": ChannelForm,
    "offices": OfficeLinkForm,
}


# Offices -------------------------------------------------------------------------------------------------------

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


def day_choices() -> list[SelectChoice]:
    labels = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    return [SelectChoice(day, label) for day, label in zip(DAYS, labels, strict=True)]


class HoursForm(Form):
    days = MultiCheckboxField(_("Days"), choices=[], validate_choice=False)
    opens = StringField(_("Opens (HH:MM)"), [Optional(), Regexp(TIME, message=_("Enter a time such as 09:00"))])
    closes = StringField(_("Closes (HH:MM)"), [Optional(), Regexp(TIME, message=_("Enter a time such as 17:30"))])
    description = StringField(_("Note (such as: by appointment only)"), [Optional(), Length(max=2000)])

    def validate_days(self, field) -> None:
        if not set(field.data or ()) <= set(DAYS):
            raise ValidationError(_("Choose days of the week."))
        if (self.opens.data or self.closes.data or self.description.data) and not field.data:
            raise ValidationError(_("Choose the days these hours are for."))


def coordinate(low: float, high: float):
    """A validator: a decimal number from low to high (degrees of latitude or longitude)."""

    def check(_form, field) -> None:
        if not (field.data or "").strip():
            return
        try:
            value = float((field.data or "").strip().replace(",", "."))
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValidationError(_("Enter a number from %(low)s to %(high)s, such as 51.5034.", low=low, high=high))

    return check


OFFICE_TEXTS = ("name", "description", "accessibility")


def office_form(rows: int, languages: list[str], default_language: str) -> type[FlaskForm]:
    """The office form for these languages (the others' translations beside the default language's text), with
    `rows` rows of opening hours."""
    others = [code for code in languages if code != default_language]
    hours_row = with_translations(HoursForm, ("description",), others)

    class OfficeForm(FlaskForm):
        slug = slug_field()
        name = StringField(_("Name"), [DataRequired(REQUIRED), Length(max=300)])
        description = TextAreaField(_("Description"), [Optional(), Length(max=20000)])
        street = StringField(_("Street"), [DataRequired(REQUIRED), Length(max=300)])
        city = StringField(_("Town or city"), [DataRequired(REQUIRED), Length(max=300)])
        postal_code = StringField(_("Postcode"), [Optional(), Length(max=20)])
        country = StringField(
            _("Country code (two letters)"),
            [DataRequired(REQUIRED), Regexp(r"^[A-Za-z]{2}$", message=_("Enter a two-letter code such as GB"))],
        )
        phone = StringField(_("Phone"), [Optional(), Length(max=50)])
        # Not Optional(): a blank one must still be checked against the other.
        latitude = StringField(_("Latitude (degrees)"), [coordinate(-90, 90)])
        longitude = StringField(_("Longitude (degrees)"), [coordinate(-180, 180)])
        accessibility = TextAreaField(_("Access for disabled people"), [Optional(), Length(max=5000)])
        hours = FieldList(FormField(hours_row), min_entries=rows)

        def validate_phone(self, field) -> None:
            if field.data and e164(field.data) is None:
                raise ValidationError(_("Enter the number in international form, such as +44 20 7946 0430."))

        def validate_latitude(self, field) -> None:
            if not (field.data or "").strip() and (self.longitude.data or "").strip():
                raise ValidationError(_("Enter both the latitude and the longitude, or neither."))

        def validate_longitude(self, field) -> None:
            if not (field.data or "").strip() and (self.latitude.data or "").strip():
                raise ValidationError(_("Enter both the latitude and the longitude, or neither."))

    return with_translations(OfficeForm, OFFICE_TEXTS, others)
