from hypothesis import given
from hypothesis import strategies as st

from finder.privacy import pseudonym, scrub


def test_a_pseudonym_is_stable_keyed_and_hides_the_number():
    a = pseudonym("+447700900123", "key-one")
    assert a == pseudonym("+447700900123", "key-one")
    assert a != pseudonym("+447700900123", "key-two")
    assert a != pseudonym("+447700900124", "key-one")
    assert "447700900123" not in a and len(a) == 32


def test_scrub_removes_contact_details_but_keeps_ordinary_numbers():
    assert scrub("ring 07700 900123 or (020) 7946-0958") == "ring [phone] or [phone]"
    assert scrub("write to a.b+c@mail.example.com now") == "write to [email] now"
    assert scrub("form 2024 costs 45 dollars, 3 weeks") == "form 2024 costs 45 dollars, 3 weeks"


@given(st.text())
def test_scrub_never_leaves_a_long_run_of_digits(text):
    assert not any(len(run) >= 7 for run in "".join(c if c.isdigit() else " " for c in scrub(text)).split())


def test_scrub_takes_linear_time_on_long_text_without_spaces():
    import time

    def cost(n):
        text = "x1" * n
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            scrub(text)
            samples.append(time.perf_counter() - start)
        return min(samples)

    # 20 times the text: about 20 times the cost if linear, 400 times if quadratic.
    assert cost(20_000) < 80 * max(cost(1_000), 1e-4)
