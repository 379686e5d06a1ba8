"""JSON responses through orjson are byte for byte what Flask's standard-library provider writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid

from flask.json.provider import DefaultJSONProvider

from finder.json_responses import JSONProvider


@dataclasses.dataclass
class _Record:
    number: int
    day: dt.date


def test_a_response_is_what_the_standard_library_writes(app):
    value = {
        "id": uuid.UUID(int=5),
        "at": dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC),
        "day": dt.date(2026, 1, 2),
        "record": _Record(1, dt.date(2020, 2, 29)),
        "amount": decimal.Decimal("12.50"),
        "text": "Renouveler un passeport — تجديد جواز السفر",
        7: ("a", None, 1.5, True),
    }
    standard = DefaultJSONProvider(app)
    standard.ensure_ascii, standard.sort_keys = False, False
    assert isinstance(app.json, JSONProvider)
    with app.app_context():
        assert app.json.response(value).get_data() == standard.response(value).get_data()
        assert app.json.response(1, "two").get_data() == b'[1,"two"]\n'


def test_debug_mode_keeps_flasks_indented_output(app):
    with app.app_context():
        app.debug = True
        try:
            assert app.json.response({"a": [1]}).get_data() == b'{\n  "a": [\n    1\n  ]\n}\n'
        finally:
            app.debug = False
