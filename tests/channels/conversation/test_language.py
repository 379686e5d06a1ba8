import pytest

from channels.conversation import detect_language

ALL = ("en", "fr", "es", "ar", "zh", "ru")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("lost passport", "en"),
        ("how do I register a birth", "en"),
        ("j'ai perdu mon passeport", "fr"),
        ("carte d'identité", "fr"),
        ("déclarer une naissance", "fr"),
        ("perdí mi pasaporte", "es"),
        ("necesito una licencia de conducir", "es"),
        ("¿cómo registro un nacimiento?", "es"),
        ("فقدت جواز سفري", "ar"),
        ("护照丢失", "zh"),
        ("потерял паспорт", "ru"),
        ("passport", None),
        ("12345", None),
    ],
)
def test_detect(text, language):
    assert detect_language(text, ALL) == language


def test_only_configured_languages_are_detected():
    assert detect_language("فقدت جواز سفري", ("en", "fr")) is None
    assert detect_language("perdí mi pasaporte", ("en", "fr")) is None
