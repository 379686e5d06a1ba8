"""The agency pages' forms (Flask-WTF: CSRF on each). They check the shape of the input; the agency face checks
the rest (passwords' strength, emails taken, the workflow) and its errors are shown on these fields."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
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

REQUIRED = _l("This field is required.")


def Email() -> Regexp:
    """The back end's own email rule (WTForms' Email validator needs another package for the same check)."""
    return Regexp(EMAIL, message=_l("Enter an email address such as name@agency.gov"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), [DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(REQUIRED), Length(max=1000)])


class ApplyForm(FlaskForm):
    agency_name = StringField(_l("Agency name"), [DataRequired(REQUIRED), Length(min=2, max=300)])
    contact_name = StringField(_l("Your name"), [DataRequired(REQUIRED), Length(min=2, max=200)])
    email = EmailField(_l("Work email address"), [DataRequired(REQUIRED), Email(), Length(max=254)])
    message = TextAreaField(_l("Why your agency wants to join (optional)"), [Optional(), Length(max=5000)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), [DataRequired(REQUIRED), Length(min=12, max=1000)])
    confirm = PasswordField(
        _l("New password again"), [DataRequired(REQUIRED), EqualTo("password", _l("The passwords differ."))]
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), [DataRequired(REQUIRED), Length(max=1000)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email address"), [DataRequired(REQUIRED), Email(), Length(max=254)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for rejecting"), [DataRequired(REQUIRED), Length(min=3, max=2000)])


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (approve, revoke, confirm "still correct", restore, sign out)."""


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), [DataRequired(REQUIRED), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])


def role_choices() -> list[tuple[str, str]]:
    return [(Role.AGENCY_EDITOR.value, _l("Editor")), (Role.AGENCY_ADMIN.value, _l("Administrator"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), [DataRequired(REQUIRED), Length(min=2, max=100)])


class SynonymForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[])
    rule = StringField(_l("Synonym rule"), [DataRequired(REQUIRED), Length(max=500)])


class BestBetForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[])
    query = StringField(_l("Search words"), [DataRequired(REQUIRED), Length(max=200)])
    services = StringField(_l("Service addresses (slugs), comma separated"), [Length(max=2000)])


class RetireForm(FlaskForm):
    replaced_by = StringField(_l("Replaced by (the address of the new service, optional)"), [Length(max=120)])


# The service editor -------------------------------------------------------------------------------------------


def web_address(_form, field) -> None:
    if field.data and urlsplit(field.data).scheme not in ("http", "https"):
        raise ValidationError(_l("Enter a web address starting with https://"))


class DocumentForm(Form):
    name = StringField(_l("Document"), [Optional(), Length(max=2000)])
    url = StringField(_l("Web address"), [Optional(), Length(max=2000), web_address])


class CostForm(Form):
    label = StringField(_l("What the cost is for"), [Optional(), Length(max=300)])
    amount = StringField(
        _l("Amount"), [Optional(), Regexp(r"^\d{1,12}(\.\d{1,4})?$", message=_l("Enter a number such as 25.00"))]
    )
    currency = StringField(
        _l("Currency"), [Optional(), Regexp(r"^[A-Za-z]{3}$", message=_l("Enter a three-letter code such as EUR"))]
    )


CHANNEL_KINDS = ("", "online", "phone", "sms", "email")


class ChannelForm(Form):
    kind = SelectField(
        _l("Kind"),
        choices=[
            ("", "-"),
            ("online", _l("Online")),
            ("phone", _l("Phone")),
            ("sms", _l("SMS")),
            ("email", _l("Email")),
        ],
        validate_choice=False,  # checked with the value below, where a blank row is allowed
    )
    value = StringField(_l("Address or number"), [Optional(), Length(max=2000)])

    def validate_value(self, field) -> None:
        kind, value = self.kind.data or "", (field.data or "").strip()
        if kind not in CHANNEL_KINDS:
            raise ValidationError(_l("Choose the kind of this channel."))
        if kind and not value:
            raise ValidationError(REQUIRED)
        if value and not kind:
            raise ValidationError(_l("Choose the kind of this channel."))
        if kind in ("phone", "sms") and e164(value) is None:
            raise ValidationError(_l("Enter the number in international form, such as +44 20 7946 0430."))
        if kind == "online":
            web_address(self, field)


class OfficeLinkForm(Form):
    # Unknown offices are refused by the save, with the field named; blank rows are skipped.
    office = SelectField(_l("Office"), choices=[], validate_choice=False)


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
        name = StringField(_l("Name"), [*need, Length(max=300)])
        summary = TextAreaField(_l("Summary"), [*need, Length(max=2000)])
        description = TextAreaField(_l("Description"), [Optional(), Length(max=20000)])
        eligibility = TextAreaField(_l("Who can use it"), [Optional(), Length(max=20000)])
        processing_time = StringField(_l("How long it takes"), [Optional(), Length(max=2000)])
        how_to_apply = TextAreaField(_l("How to apply"), [Optional(), Length(max=20000)])
        alternate_names = TextAreaField(_l("Other names (one a line)"), [Optional(), Length(max=5000)])
        keywords = TextAreaField(_l("Keywords (one a line)"), [Optional(), Length(max=5000)])

    return Translation


def service_form(languages: list[str], default_language: str, rows: dict[str, int]) -> type[FlaskForm]:
    """The editor's form class for these languages, with `rows[kind]` rows of each repeated sub-record."""

    class Languages(Form):
        pass

    for code in languages:
        setattr(Languages, code, FormField(translation_form(code == default_language)))

    class ServiceForm(FlaskForm):
        slug = StringField(
            _l("Web address (slug)"),
            [
                DataRequired(REQUIRED),
                Length(max=120),
                Regexp(SLUG, message=_l("Use lower-case letters, digits and dashes.")),
            ],
        )
        text = FormField(Languages)
        documents = FieldList(FormField(DocumentForm), min_entries=rows["documents"])
        costs = FieldList(FormField(CostForm), min_entries=rows["costs"])
        channels = FieldList(FormField(ChannelForm), min_entries=rows["channels"])
        offices = FieldList(FormField(OfficeLinkForm), min_entries=rows["offices"])
        categories = MultiCheckboxField(_l("Categories"), choices=[])
        life_events = MultiCheckboxField(_l("Life events"), choices=[])
        note = StringField(_l("What you changed (optional)"), [Optional(), Length(max=300)])
        more = HiddenField()

    return ServiceForm
