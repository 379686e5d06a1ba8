import pytest

from channels.twilio.segments import GSM7, UCS2, encode, sms_budget, whatsapp_budget


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # each extension character takes two septets
        ("[" * 81, GSM7, 162, 2),
        ("ب" * 70, UCS2, 70, 1),
        ("ب" * 71, UCS2, 71, 2),
        ("护" * 134, UCS2, 134, 2),
        ("Ж" * 135, UCS2, 135, 3),
        ("😀" * 35, UCS2, 70, 1),  # outside the BMP: two UTF-16 units each
        ("Déclarer à la mairie", GSM7, 20, 1),
        ("Inscripción", GSM7, 11, 1),  # ó is not in GSM-7: sent as o
        ("Инструкция", UCS2, 10, 1),
    ],
)
def test_encoding_and_segments(text, encoding, units, segments):
    encoded = encode(text)
    assert (encoded.encoding, encoded.units, encoded.segments) == (encoding, units, segments)


def test_typographic_look_alikes_are_replaced_in_latin_text():
    encoded = encode("L’état — «\u00a0vite\u00a0» … “ok”")
    assert encoded.encoding == GSM7
    assert encoded.text == 'L\'état - " vite " ... "ok"'


def test_accents_gsm7_lacks_are_dropped_and_those_it_has_kept():
    assert encode("Inscripción: más información, reçu, être, año, señal, déjà").text == (
        "Inscripcion: mas informacion, recu, etre, año, señal, déjà"
    )
    # A letter with no GSM-7 base (œ) keeps the text in UCS-2, accents and all.
    assert encode("cœur, información").text == "cœur, información"
    assert encode("cœur, información").encoding == UCS2


def test_look_alikes_are_kept_when_the_text_needs_ucs2_anyway():
    text = "جواز السفر — «عاجل»"
    assert encode(text).text == text and encode(text).encoding == UCS2


def test_budgets():
    fits_two = sms_budget(2)
    assert fits_two("a" * 306) and not fits_two("a" * 307)
    assert fits_two("ب" * 134) and not fits_two("ب" * 135)
    # Never more than Twilio's 1,600 characters, whatever the segment budget.
    assert not sms_budget(20)("a" * 1601)
    assert whatsapp_budget(1000)("x" * 1000) and not whatsapp_budget(1000)("x" * 1001)
    assert not whatsapp_budget(5000)("x" * 1601)
