"""The dialogue: what to answer to "lost passport", "2", "MORE", "MENU", "HELP" or "LANG FR".

Channel-neutral: it gets a message, the sender's saved state and a length budget, and returns the reply text, the
new state and the usage events to log. The adapter knows segments, encodings and how to deliver the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from babel.dates import get_day_names
from babel.numbers import format_currency, format_decimal
from flask_babel import force_locale
from flask_babel import gettext as _

from channels.conversation.catalogue import Catalogue, Hours, ServiceCard
from channels.conversation.keywords import Command, keyword, language_named, parse
from channels.conversation.language import detect_language
from finder.privacy import scrub

PAGE_SIZE = 3
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")

# Whether a reply text fits the channel (segments for SMS, characters for WhatsApp): the adapter decides.
Budget = Callable[[str], bool]


@dataclass
class Reply:
    text: str
    state: dict[str, Any]
    language: str
    # Usage events without channel or sender (the adapter adds those): UsageEvent keyword arguments.
    events: list[dict[str, Any]] = field(default_factory=list)


class Conversation:
    """One dialogue for every message channel; it reaches the catalogue only through `catalogue`."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        languages: tuple[str, ...],
        default_language: str,
        link_base: str,
        helpline: str,
    ) -> None:
        self.catalogue = catalogue
        self.languages = languages
        self.default_language = default_language
        self.link_base = link_base.rstrip("/")
        self.helpline = helpline

    def reply(self, state: dict[str, Any] | None, text: str, budget: Budget) -> Reply:
        """The answer to one message from a sender whose saved state is `state` (None for a new conversation)."""
        state = dict(state or {})
        if "lang" not in state:
            # A first message in French, Spanish, Arabic... is answered in that language without being asked.
            state["lang"] = detect_language(text, self.languages) or self.default_language
        parsed = parse(text)
        handlers = {
            Command.SEARCH: lambda: self._search(state, parsed.argument, None, budget),
            Command.PICK: lambda: self._pick(state, parsed.number or 0, budget),
            Command.MORE: lambda: self._more(state, budget),
            Command.MENU: lambda: self._menu(state, 0, budget),
            Command.HELP: lambda: self._help(state, budget),
            Command.LANGUAGE: lambda: self._language(state, parsed.argument, budget),
        }
        return handlers[parsed.command]()

    def help(self, state: dict[str, Any] | None, budget: Budget) -> Reply:
        """How to use the service (for an empty or picture-only message, and for HELP)."""
        state = dict(state or {})
        state.setdefault("lang", self.default_language)
        return self._help(state, budget)

    def notice(self, state: dict[str, Any] | None, message: Callable[[], str]) -> Reply:
        """A one-line notice (e.g. "too many messages") in the sender's language; the state is kept."""
        state = dict(state or {})
        language = state.get("lang", self.default_language)
        with force_locale(language):
            return Reply(message(), state, language)

    # The commands.

    def _search(self, state: dict, text: str, life_event: dict | None, budget: Budget, offset: int = 0) -> Reply:
        language = state["lang"]
        slug = life_event["slug"] if life_event else None
        found = self.catalogue.search(text, language, life_event=slug, offset=offset, limit=PAGE_SIZE)
        events: list[dict[str, Any]] = []
        if offset == 0 and text:
            top = found.listings[0].service_id if found.listings else None
            events.append({"kind": "search", "query": text, "result_count": found.total, "top_service_id": top})
            if not found.total:
                events.append({"kind": "unmet_demand", "query": text, "result_count": 0})
        with force_locale(language):
            if not found.listings and offset:
                # The results shrank since the last page (the catalogue changed): nothing further to show.
                state.pop("more", None)
                return Reply(self._no_more(language), state, language)
            if not found.listings:
                state.pop("numbers", None)
                state.pop("more", None)
                return Reply(self._nothing_found(language, found.suggestion, budget), state, language, events)
            head = [f"{life_event['name']}:"] if life_event and offset == 0 else []
            items = [f"{i}. {listing.name}" for i, listing in enumerate(found.listings, 1)]
            more = _("Reply a number for details, %(more)s for more.", more=keyword(Command.MORE, language))
            end = more if offset + len(items) < found.total else _("Reply a number for details.")
            text_out, shown = _page(items, budget, head=head, more=more, end=end)
        state["numbers"] = {"kind": "services", "ids": [listing.service_id for listing in found.listings[:shown]]}
        if offset + shown < found.total:
            # The state outlives the request: it keeps the words, not any phone number or email in them.
            query = scrub(text)
            state["more"] = {"kind": "results", "query": query, "life_event": life_event, "offset": offset + shown}
        else:
            state.pop("more", None)
        return Reply(text_out, state, language, events)

    def _nothing_found(self, language: str, suggestion: str | None, budget: Budget) -> str:
        menu = keyword(Command.MENU, language)
        found_nothing = _("No service found.")
        helpline = _("Reply %(menu)s for life events, or call %(helpline)s.", menu=menu, helpline=self.helpline)
        if suggestion:
            with_suggestion = _join(
                [found_nothing, _("Did you mean: %(suggestion)s?", suggestion=suggestion), helpline]
            )
            if budget(with_suggestion):
                return with_suggestion
        # The helpline matters more than a spelling suggestion: a person can always call.
        return _fit_dropping_last([found_nothing, helpline], budget)

    def _pick(self, state: dict, number: int, budget: Budget) -> Reply:
        language = state["lang"]
        numbers = state.get("numbers") or {}
        if numbers.get("kind") == "events":
            events = self.catalogue.life_events(language)
            if 1 <= number <= len(events):
                event = events[number - 1]
                return self._search(state, "", {"slug": event.slug, "name": event.name}, budget)
        elif numbers.get("kind") == "services" and 1 <= number <= len(numbers["ids"]):
            card = self.catalogue.service(numbers["ids"][number - 1], language)
            if card is not None:
                return self._details(state, card, budget)
        with force_locale(language):
            message = _("There is no number %(number)s in the list. Send a few words to search.", number=number)
            return Reply(message, state, language)

    def _details(self, state: dict, card: ServiceCard, budget: Budget) -> Reply:
        language = state["lang"]
        with force_locale(language):
            # (priority, line): the highest numbers go first when the reply must shrink; the link (0) always stays.
            lines: list[tuple[int, str]] = [(1, card.name), (3, card.summary)]
            costs = _costs(card, language)
            if costs:
                lines.append((4, _("Cost: %(cost)s", cost=costs)))
            documents_header = len(lines)
            if card.documents:
                lines.append((6, _("Documents:")))
                lines.extend((6, f"- {document}") for document in card.documents)
            lines.append((0, _("Details: %(link)s", link=f"{self.link_base}/{language}/services/{card.slug}")))
            if card.phone:
                lines.append((2, _("Phone: %(phone)s", phone=card.phone)))
            if card.office:
                hours = _hours(card.hours, language)
                if hours:
                    lines.append((5, _("Office: %(office)s, %(hours)s", office=card.office, hours=hours)))
                else:
                    lines.append((5, _("Office: %(office)s", office=card.office)))
            footer = _("Reply %(more)s for more.", more=keyword(Command.MORE, language))
            dropped: set[int] = set()
            # Least important first, and of equal importance the later line first (documents from the end).
            for index in sorted((i for i, line in enumerate(lines) if line[0]), key=lambda i: (-lines[i][0], -i)):
                kept = [text for i, (_p, text) in enumerate(lines) if i not in dropped]
                if budget(_join(kept + ([footer] if dropped else []))):
                    break
                dropped.add(index)
            if card.documents and documents_header + 1 in dropped:
                # Documents go from the last, so without the first one none is left: the heading goes with them.
                dropped.add(documents_header)
            kept = [text for i, (_p, text) in enumerate(lines) if i not in dropped]
            rest = _split_long([text for i, (_p, text) in enumerate(lines) if i in dropped], budget, footer)
        _keep_lines(state, rest)
        if rest:
            kept.append(footer)
        return Reply(_join(kept), state, language, [{"kind": "service_view", "service_id": card.service_id}])

    def _more(self, state: dict, budget: Budget) -> Reply:
        language = state["lang"]
        more = state.get("more") or {}
        if more.get("kind") == "results":
            return self._search(state, more["query"], more["life_event"], budget, offset=more["offset"])
        if more.get("kind") == "events":
            return self._menu(state, more["offset"], budget)
        with force_locale(language):
            if more.get("kind") == "lines":
                footer = _("Reply %(more)s for more.", more=keyword(Command.MORE, language))
                text, shown = _page(more["lines"], budget, more=footer)
                _keep_lines(state, more["lines"][shown:])
                return Reply(text, state, language)
            return Reply(self._no_more(language), state, language)

    def _no_more(self, language: str) -> str:
        return _("No more results. Send a few words to search, or %(menu)s.", menu=keyword(Command.MENU, language))

    def _menu(self, state: dict, offset: int, budget: Budget) -> Reply:
        language = state["lang"]
        events = self.catalogue.life_events(language)
        with force_locale(language):
            items = [f"{i}. {event.name}" for i, event in enumerate(events, 1)][offset:]
            head = [_("Life events:")] if offset == 0 else []
            more = _("Reply a number, or %(more)s for more.", more=keyword(Command.MORE, language))
            text, shown = _page(items, budget, head=head, more=more, end=_("Reply a number to see its services."))
        state["numbers"] = {"kind": "events"}
        if offset + shown < len(events):
            state["more"] = {"kind": "events", "offset": offset + shown}
        else:
            state.pop("more", None)
        return Reply(text, state, language)

    def _help(self, state: dict, budget: Budget) -> Reply:
        language = state["lang"]
        with force_locale(language):
            lines = [
                _("Send what you need in a few words, e.g. lost passport."),
                _(
                    "Reply a number to choose, %(more)s for more, %(menu)s for life events.",
                    more=keyword(Command.MORE, language),
                    menu=keyword(Command.MENU, language),
                ),
                _("%(example)s changes the language.", example=_language_example(language)),
            ]
            footer = _("Reply %(more)s for more.", more=keyword(Command.MORE, language))
            lines = _split_long(lines, budget, footer)
            text, shown = _page(lines, budget, more=footer)
        _keep_lines(state, lines[shown:])
        return Reply(text, state, language)

    def _language(self, state: dict, argument: str, budget: Budget) -> Reply:
        chosen = language_named(argument)
        if chosen is None or chosen not in self.languages:
            language = state["lang"]
            with force_locale(language):
                codes = ", ".join(code.upper() for code in self.languages)
                example = _language_example(language)
                message = _("Languages: %(languages)s. Send e.g. %(example)s.", languages=codes, example=example)
                return Reply(message, state, language)
        state["lang"] = chosen
        with force_locale(chosen):
            name = Locale.parse(chosen).get_display_name(chosen)
            lines = [
                _("Language: %(language)s.", language=name),
                _("Send what you need in a few words, e.g. lost passport."),
            ]
            return Reply(_fit_dropping_last(lines, budget), state, chosen)


def _keep_lines(state: dict, rest: list[str]) -> None:
    """What MORE shows next: the lines that had no room in this reply (or nothing)."""
    if rest:
        state["more"] = {"kind": "lines", "lines": rest}
    else:
        state.pop("more", None)


def _join(lines: list[str]) -> str:
    return "\n".join(lines)


def _page(
    items: list[str], budget: Budget, *, more: str, end: str = "", head: list[str] | None = None
) -> tuple[str, int]:
    """As many items as fit with the header and footer (`end` when all fit, else `more`); how many were shown."""
    head = head or []
    for count in range(len(items), 0, -1):
        footer = [end] if count == len(items) and end else [more] if count < len(items) else []
        text = _join([*head, *items[:count], *footer])
        if budget(text):
            return text, count
    if head:
        return _page(items, budget, more=more, end=end)
    # Not even one item fits with the footer (a budget smaller than any line): send the item alone.
    return items[0], 1


def _fit_dropping_last(lines: list[str], budget: Budget) -> str:
    """The lines, dropping from the end until they fit (the first always stays)."""
    for count in range(len(lines), 1, -1):
        if budget(_join(lines[:count])):
            return _join(lines[:count])
    return lines[0]


def _split_long(lines: list[str], budget: Budget, footer: str) -> list[str]:
    """Lines too long to send even alone (with the footer) split between words, so MORE can page through them."""
    result: list[str] = []
    for line in lines:
        if budget(_join([line, footer])):
            result.append(line)
            continue
        piece = ""
        for word in line.split(" "):
            candidate = f"{piece} {word}" if piece else word
            if piece and not budget(_join([candidate, footer])):
                result.append(piece)
                candidate = word
            piece = candidate
        result.append(piece)
    return result


def _costs(card: ServiceCard, language: str) -> str:
    """The distinct amounts, e.g. "Free / MRD 10.00", formatted for the language."""
    amounts: list[str] = []
    for cost in card.costs:
        if cost.amount is None:
            continue
        if cost.amount == 0:
            text = _("Free")
        elif cost.currency:
            text = format_currency(cost.amount, cost.currency, locale=language)
        else:
            text = format_decimal(cost.amount, locale=language)
        if text not in amounts:
            amounts.append(text)
    return " / ".join(amounts[:3])


def _hours(hours: list[Hours], language: str) -> str:
    """Opening hours as "Mon-Fri 08:00-16:30; Sat 09:00-12:00" with the language's day names."""
    names = get_day_names("abbreviated", locale=language)
    parts = []
    for entry in hours:
        days = sorted(DAYS.index(day) for day in entry.days if day in DAYS)
        if not days:
            continue
        consecutive = days == list(range(days[0], days[-1] + 1))
        if consecutive and len(days) > 2:
            label = f"{names[days[0]]}-{names[days[-1]]}"
        else:
            label = ", ".join(names[day] for day in days)
        parts.append(f"{label} {entry.opens:%H:%M}-{entry.closes:%H:%M}")
    return "; ".join(parts)


def _language_example(language: str) -> str:
    """E.g. "LANG FR" in English, "LANGUE EN" in French: switching to another language, in this one's words."""
    other = "fr" if language == "en" else "en"
    return f"{keyword(Command.LANGUAGE, language)} {other.upper()}"
