import pytest

from channels.conversation.keywords import KEYWORDS, Command, language_named, parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("MORE", Command.MORE),
        ("more", Command.MORE),
        ("Next!", Command.MORE),
        ("plus", Command.MORE),
        ("Suite", Command.MORE),
        ("mas", Command.MORE),
        ("MÁS", Command.MORE),
        ("Siguiente", Command.MORE),
        ("المزيد", Command.MORE),
        ("更多", Command.MORE),
        ("еще", Command.MORE),
        ("ЕЩЁ", Command.MORE),
        ("menu", Command.MENU),
        ("Menú", Command.MENU),
        ("events", Command.MENU),
        ("événements", Command.MENU),
        ("?", Command.HELP),
        ("aide", Command.HELP),
        ("ayuda", Command.HELP),
        ("مساعدة", Command.HELP),
        ("lang fr", Command.LANGUAGE),
        ("LANGUE es", Command.LANGUAGE),
        ("idioma ar", Command.LANGUAGE),
        ("لغة en", Command.LANGUAGE),
        ("lost passport", Command.SEARCH),
        ("passport more", Command.SEARCH),
        ("menus for schools", Command.SEARCH),
    ],
)
def test_keywords_on_the_first_word(text, command):
    assert parse(text).command is command


@pytest.mark.parametrize(("text", "number"), [("1", 1), ("2.", 2), ("#3", 3), (" 2 ", 2), ("3)", 3), ("٢", 2)])
def test_numbers(text, number):
    assert parse(text) == (Command.PICK, "", number)


def test_a_number_in_a_sentence_is_a_search():
    assert parse("2 children benefit").command is Command.SEARCH


@pytest.mark.parametrize(
    ("text", "code"),
    [("FR", "fr"), ("français", "fr"), ("Español", "es"), ("العربية", "ar"), ("中文", "zh"), ("xx", None)],
)
def test_language_names(text, code):
    assert language_named(text) == code


def test_every_command_has_words_in_every_language():
    for per_language in KEYWORDS.values():
        assert set(per_language) == {"en", "fr", "es", "ar", "zh", "ru"}
