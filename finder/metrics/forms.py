"""The transactions form (Flask-WTF: CSRF on each): it checks the shape of what an agency types, with messages in
the page's language; `record_transactions` checks the same again for the API and the command line."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import DataRequired, ValidationError

from finder.catalogue.models import utcnow
from finder.metrics.transactions import MAX_COUNT, TRANSACTION_CHANNELS, is_future, parse_month

REQUIRED = _("This field is required.")
# Counts are typed as plain digits: "1,250" means 1250 in one language and 1.25 in another.
LONGEST_COUNT = len(str(MAX_COUNT))
# Phones show a keypad of digits.
DIGITS = {"inputmode": "numeric", "autocomplete": "off"}


def _month(_form: FlaskForm, field: Field) -> None:
    month = parse_month(field.data or "")
    if month is None:
        raise ValidationError(_("Enter the month as YYYY-MM, for example 2026-10."))
    if is_future(month, utcnow().date()):
        raise ValidationError(_("The month cannot be in the future."))


def _count(_form: FlaskForm, field: Field) -> None:
    text = (field.data or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > LONGEST_COUNT or int(text) > MAX_COUNT:
        raise ValidationError(_("Enter a whole number of 0 or more, in digits only, such as 1250."))


class TransactionsForm(FlaskForm):
    month = StringField(_("Month"), [DataRequired(REQUIRED), _month])
    online = StringField(_("Online"), [DataRequired(REQUIRED), _count], render_kw=DIGITS)
    counter = StringField(_("At a counter"), [DataRequired(REQUIRED), _count], render_kw=DIGITS)
    phone = StringField(_("By phone"), [DataRequired(REQUIRED), _count], render_kw=DIGITS)
    post = StringField(_("By post"), [DataRequired(REQUIRED), _count], render_kw=DIGITS)

    def month_date(self) -> dt.date:
        """The month entered, once the form has validated."""
        return parse_month(self.month.data)

    def counts(self) -> dict[str, int]:
        """The counts entered by channel, once the form has validated."""
        return {channel: int(getattr(self, channel).data.strip()) for channel in TRANSACTION_CHANNELS}
