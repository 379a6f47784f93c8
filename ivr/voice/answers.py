"""What the line says and does at each step of a call, as TwiML.

Pure functions: menus + language + node + the caller's input in, an Answer out: the
TwiML and the events it stands for (ivr.twiml.events), decided here, once, by the function
that makes the answer. They read no request and no app, so every path is tested without a
server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from twilio.twiml.voice_response import Dial, Gather, Redirect, VoiceResponse

from ivr.content import model as m
from ivr.content.hours import is_open, next_opening
from ivr.twiml import events as ev
from ivr.twiml.events import Answer, Event
from ivr.twiml.serialise import Rendered
from ivr.voice import urls
from ivr.voice import utterances as u
from ivr.voice.speech import say, speak

LINE_NUMBERS_KEPT = 16  # the line's own numbers whose <Dial>s are kept (see _dial)
PART_PAUSE = 1  # seconds between the parts of an answer (see _parts): Twilio's shortest
# A caller who goes quiet hears at most SILENCE_MAX seconds from their last key to the
# hang-up: the answer to the key, its time-out, then the last chance (see _last_chance),
# whose offer waits LAST_CHANCE_TIMEOUT. After a long page the menu waits less than
# input_timeout, but never less than MIN_TIMEOUT.
SILENCE_MAX = 60
LAST_CHANCE_TIMEOUT = 3
MIN_TIMEOUT = 3
E164_RE = re.compile(r"\+[1-9][0-9]{6,14}")  # ASCII digits only: \d also matches ٣
Events = tuple[Event, ...]
# An answer being made: its TwiML so far and its events. A plain tuple inside this module
# (a public function makes it an Answer, once).
Said = tuple[VoiceResponse, Events]
VoiceAnswer = Answer[VoiceResponse]


@dataclass(frozen=True)
class Call:
    """What the line knows about the call: its own number, and the country the caller's
    number comes from (to offer their likely language first), never the number itself."""

    line_number: str | None = None  # the request's To, when it is a phone number
    region: str | None = None  # e.g. PL, from the caller's number
    now: datetime | None = None  # for opening hours; None: every contact is open
    # The language of the line's number that was called (LINE_NUMBERS: one number per
    # poster language): the call begins in it, without the choice of language.
    language: str | None = None

    @classmethod
    def from_to(cls, to: str | None, region: str | None = None, now: datetime | None = None,
                languages: Mapping[str, str] = MappingProxyType({})) -> Call:
        """`languages`: the line's numbers that have a language, and theirs."""
        to = (to or "").strip()
        number = to if E164_RE.fullmatch(to) else None
        return cls(number, region, now, languages.get(number) if number else None)


# -- the start of a call and the choice of language ------------------------------------------


def incoming(menus: m.Menus, call: Call = Call()) -> VoiceAnswer:
    """The 112 sentence, then each language offered in its own voice, then the key for a
    person. A call to a number of the line that has a language (a poster's) begins in it:
    its 112 sentence, then its main menu, whose language key still offers the others."""
    if call.language is not None and call.language in menus.languages:
        # A person's key straight after the 112 sentence, before the menu's own text:
        # the police are then reached early enough to say, before the forward, that they
        # answer in Dutch.
        main = menus.nodes[menus.settings.main_node]
        response = _menu(menus, call.language, main, call, VoiceResponse(), 0, greet=True,
                         person_first=True)
        return Answer(response, _event(menus, ev.CALL, call.language)
                      + _menu_events(menus, call.language, main, 0))
    return Answer(_language_menu(menus, VoiceResponse(), call, miss=0, greet=True),
                  _event(menus, ev.CALL))


def language_input(menus: m.Menus, digits: str, miss: int, call: Call,
                   second_page: bool = False) -> VoiceAnswer:
    """A language's key chooses it, on either page; 9 opens the second page, where `*` and
    `0` lead back; the key for a person works here too."""
    language = chosen_language(menus, digits, second_page)
    if language:
        main = menus.nodes[menus.settings.main_node]
        return Answer(_first_menu(menus, language.code, call),
                      _event(menus, ev.LANGUAGE, language.code)
                      + _menu_events(menus, language.code, main, 0))
    if digits == "9" and not second_page and _second_page(menus):
        return Answer(_language_menu(menus, VoiceResponse(), call, 0, greet=False,
                                     second_page=True))
    action = menus.global_action(digits) if digits else None
    if action == m.CONTACTS:
        return show_node(menus, _greeting_order(menus, call)[0],
                         menus.settings.other_contacts_node, call)
    if action in (m.REPEAT, m.MAIN_MENU):  # the first page again
        return Answer(_language_menu(menus, VoiceResponse(), call, 0, greet=False))
    return Answer(*_language_missed(menus, digits, miss, call, second_page))


def chosen_language(menus: m.Menus, digits: str, second_page: bool) -> m.Language | None:
    """The language a key chooses on the first or the second page of the choice."""
    if not digits:
        return None
    if not second_page:
        return menus.language_for_key(digits)
    # On the second page its own digits first, then the keys of the first page.
    return menus.language_for_key(f"9{digits}") or menus.language_for_key(digits)


def _language_missed(menus: m.Menus, digits: str, miss: int, call: Call,
                     second_page: bool) -> Said:
    """A wrong key: say so in the languages of the page, then its offers again; after too
    many, or no key at all, the numbers in the likely languages and the offer of one key
    (see _last_chance)."""
    response = VoiceResponse()
    miss += 1
    order = _greeting_order(menus, call)
    if not digits or miss >= menus.settings.max_misses:
        return _last_chance(menus, order, response), _last_chance_events(menus, order, miss)
    langs = [lang.code for lang in _second_page(menus)] if second_page else order
    for lang in langs:
        response.append(speak(menus, lang, u.prompt(menus, lang, "invalid_key")))
    return _language_menu(menus, response, call, miss, greet=False,
                          second_page=second_page), ()


def language_menu(menus: m.Menus, call: Call = Call()) -> VoiceAnswer:
    """The choice of language without the greeting: for the caller who asks for it."""
    return Answer(_language_menu(menus, VoiceResponse(), call, miss=0, greet=False))


def offer_order(menus: m.Menus, region: str | None) -> list[m.Language]:
    """The caller's likely language first (from their number's country), then the greeting
    languages (Dutch, English), then the rest in the order of menus.yaml."""
    likely = menus.language_for_region(region)
    first = ([likely] if likely else []) + list(_greeting_languages(menus))
    codes = list(dict.fromkeys(first + list(menus.languages)))
    return [menus.languages[code] for code in codes]


def _greeting_languages(menus: m.Menus) -> tuple[str, ...]:
    return menus.settings.greeting_languages or (menus.settings.default_language,)


def greeting_order(menus: m.Menus, region: str | None,
                   number_language: str | None = None) -> tuple[str, ...]:
    """The languages of the greeting: the likely language of the caller's country takes
    the place of the last greeting language, so the greeting never grows (Dutch and
    English for a Dutch number, Polish and Dutch for a Polish one). The language of the
    line's number that was called comes before both: the caller chose it on a poster."""
    greeting = _greeting_languages(menus)
    likely = menus.language_for_region(region)
    first = [lang for lang in (number_language, likely) if lang and lang in menus.languages]
    return tuple(dict.fromkeys(first + list(greeting)))[:len(greeting)]


def _greeting_order(menus: m.Menus, call: Call) -> tuple[str, ...]:
    # Once per country and number language: a region code (a few hundred, from
    # phonenumbers) or None, and one of the line's languages or None.
    return menus.cached(("greeting order", call.region, call.language),
                        lambda: greeting_order(menus, call.region, call.language))


def _second_page(menus: m.Menus) -> list[m.Language]:
    return [lang for lang in menus.languages.values() if len(lang.key) == 2]


def _language_menu(menus: m.Menus, response: VoiceResponse, call: Call, miss: int,
                   greet: bool, second_page: bool = False) -> VoiceResponse:
    action = urls.language_choice(miss, second_page)
    # The caller's country counts only through the languages it makes likely.
    order = _greeting_order(menus, call)
    # The languages offered, once per country and page, as the order.
    offers: tuple[str, ...] = menus.cached(("offers", call.region, second_page), lambda: tuple(
        language.code for language in (
            _second_page(menus) if second_page else offer_order(menus, call.region))))

    def fill(gather: Gather) -> None:
        if greet:
            for lang in order:
                gather.append(speak(menus, lang, u.prompt(menus, lang, "greeting")))
        for code in offers:
            gather.append(speak(menus, code,
                                u.language_offer(menus, menus.languages[code], second_page)))
        for lang in order:  # a person, one key away: said after the languages
            _announce(menus, lang, gather, m.FIRST, None)

    # The offers apart from the order: a number's language can put a language first in
    # the order that the caller's country puts first in the offers, or not. The greeting
    # keeps input_timeout: it answers no key, and a caller needs time to choose. Elsewhere
    # a caller who goes quiet is soon given the last chance.
    before = _said(response)
    timeout = None if greet else _then_last_chance(menus, order, before)
    _gather(menus, response, action, fill, greet, order, offers, before, timeout=timeout)
    _redirect(menus, response, action)
    return response


# -- menus and pages -------------------------------------------------------------------------


def show_node(menus: m.Menus, lang: str, node_id: str, call: Call) -> VoiceAnswer:
    """A node: a menu or a page, a forward, or the offer of the numbers by text."""
    return Answer(*_show(menus, lang, node_id, call))


def _show(menus: m.Menus, lang: str, node_id: str, call: Call,
          response: VoiceResponse | None = None, miss: int = 0) -> Said:
    node = menus.nodes[node_id]
    return NODE_KINDS[node.kind](menus, lang, node, call, response or VoiceResponse(), miss)


def _first_menu(menus: m.Menus, lang: str, call: Call) -> VoiceResponse:
    """The main menu after a language is chosen: the 112 sentence in that language first,
    once per call: not when the greeting said it in that language seconds ago, and not
    when the menu is repeated."""
    node = menus.nodes[menus.settings.main_node]
    greet = lang not in _greeting_order(menus, call)
    return _menu(menus, lang, node, call, VoiceResponse(), 0, greet=greet)


def _gather(menus: m.Menus, response: VoiceResponse, action: str,
            fill: Callable[[Gather], None], *about: object,
            timeout: Callable[[float], int] | None = None) -> None:
    """A <Gather> filled by `fill`, made and serialised once for these menus: its action
    URL (language, node, misses) and `about` must name all that its content depends on.
    Menus are what most requests answer; this makes them a lookup."""
    for part in _parts(menus, lambda part: action, fill, frozenset(), *about, timeout=timeout):
        response.append(part)


def _parts(menus: m.Menus, action: Callable[[int], str], fill: Callable[[Gather], None],
           dials: frozenset[str], *about: object,
           timeout: Callable[[float], int] | None = None) -> tuple[Rendered, ...]:
    """The <Gather>s of an answer, made once: one, or a new one just before the offer of
    each key in `dials` (a key that puts the caller through).

    Twilio cannot say when in a <Gather> a key was pressed, so a key pressed while a page
    was read (a double press meant for the menu before, a phone in a pocket) would dial
    before its offer was heard. Each part's action URL names the part (`action(i)`), so a
    dialling key pressed in an earlier part is answered with its offer, not a <Dial>.
    Between the parts Twilio waits PART_PAUSE, its shortest time-out. The last part waits
    `timeout(seconds the parts are heard)`, or input_timeout.
    """

    def make() -> tuple[Rendered, ...]:
        items = Gather()
        fill(items)
        parts: list[list] = [[]]
        for item in items.verbs:
            offers = getattr(item, "offers", None)
            # The same key offered again (in the next language) stays in its offer's part.
            again = parts[-1] and getattr(parts[-1][-1], "offers", None) == offers
            # A dialling offer said first (a menu's keys again after a wrong key) still
            # gets a part of its own, after an empty one of PART_PAUSE: a key pressed
            # during what came before the <Gather> is answered with the offer.
            if offers in dials and not again:
                parts.append([])
            parts[-1].append(item)
        heard = sum(item.seconds for part in parts for item in part)
        wait = timeout(heard + PART_PAUSE * (len(parts) - 1)) if timeout else None
        return tuple(_part(menus, action(i), part, PART_PAUSE if i < len(parts) - 1 else wait)
                     for i, part in enumerate(parts))

    return menus.cached(("gathers", action(0), *about), make)


def _part(menus: m.Menus, action: str, items: list, timeout: int | None) -> Rendered:
    # finishOnKey="" because '#' is a menu key; numDigits=1 answers on the first key.
    gather = Gather(action=action, method="POST", num_digits=1, finish_on_key="",
                    timeout=menus.settings.input_timeout if timeout is None else timeout)
    for item in items:
        gather.append(item)
    return Rendered(gather)


def part_offering(parts: tuple[Rendered, ...], key: str) -> int:
    """The part of an answer in which the key is offered (0 when it is not)."""
    return next((i for i, part in enumerate(parts)
                 if any(getattr(item, "offers", None) == key for item in part.element.verbs)),
                0)


def heard_before(parts: tuple[Rendered, ...], key: str, part: int, start: int) -> int | None:
    """None when a dialling key was pressed after its offer, in the answer that made it;
    else the part to answer with, which begins with that offer."""
    return _offer_first(part_offering(parts, key), part, start)


def _offer_first(offer: int, part: int, start: int) -> int | None:
    """None when the key was pressed in or after `offer`, the part that offers it, in the
    answer that made it (which began with part `start`); else `offer`."""
    return None if start <= offer <= part else offer


def _redirect(menus: m.Menus, response: VoiceResponse, action: str) -> None:
    """Without input Twilio falls through to the verb after the <Gather>: this, which counts
    it as a miss. Made and serialised once per action URL, like the <Gather>."""
    response.append(menus.cached(("redirect", action),
                                 lambda: Rendered(Redirect(action, method="POST"))))


def _announce(menus: m.Menus, lang: str, gather: Gather, when: str, node: m.Node | None) -> None:
    """The global keys announced at this point of a menu (see model.ANNOUNCE); the main
    menu and the contacts do not offer themselves."""
    main = node is not None and node.id == menus.settings.main_node
    itself = {m.MAIN_MENU: main,
              m.CONTACTS: node is not None and node.id == menus.settings.other_contacts_node}
    for global_key in menus.settings.global_keys:
        if global_key.announce != when or itself.get(global_key.action):
            continue
        if when == m.MAIN and not main:
            continue
        gather.append(speak(menus, lang, u.global_option(menus, lang, global_key)))


def _menu(menus: m.Menus, lang: str, node: m.Node, call: Call, response: VoiceResponse,
          miss: int, greet: bool = False, start: int = 0,
          person_first: bool = False) -> VoiceResponse:
    """A menu or a page from its part `start` on (see _parts)."""
    for part in _menu_parts(menus, lang, node, miss, greet, start, person_first,
                            _said(response))[start:]:
        response.append(part)
    _redirect(menus, response, urls.node_input(lang, node.id, miss))
    return response


def _menu_node(menus: m.Menus, lang: str, node: m.Node, call: Call, response: VoiceResponse,
               miss: int) -> Said:
    return _menu(menus, lang, node, call, response, miss), _menu_events(menus, lang, node, miss)


def _menu_events(menus: m.Menus, lang: str, node: m.Node, miss: int, start: int = 0) -> Events:
    """What a menu or a page from its part `start` stands for: the node reached, when its
    text is said (not in the keys again after a wrong key, nor from a later part), and each
    forward whose key it offers. Found once per menu."""

    def make() -> Events:
        said = (Event(ev.NODE, lang, node.id),) if not miss and not start else ()
        dialling = _dialling(menus, node)
        parts = _menu_parts(menus, lang, node, miss) if dialling else ()
        return said + tuple(_offer(menus, lang, o.target) for o in node.options
                            if o.key in dialling and part_offering(parts, o.key) >= start)

    return menus.cached(("menu events", lang, node.id, miss, start), make)


def _offer(menus: m.Menus, lang: str | None, node_id: str) -> Event:
    return Event(ev.OFFERED, lang, node_id, menus.nodes[node_id].contact)


def _event(menus: m.Menus, kind: str, language: str | None = None, node: str | None = None,
           contact: str | None = None, outcome: str | None = None) -> Events:
    """One event, as the events of an answer, made once for these menus: its fields are
    the menus' ids and fixed words, never a value from the request as it came."""
    return menus.cached(("event", kind, language, node, contact, outcome),
                        lambda: (Event(kind, language, node, contact, outcome),))


def _menu_parts(menus: m.Menus, lang: str, node: m.Node, miss: int, greet: bool = False,
                start: int = 0, person_first: bool = False,
                before: float = 0.0) -> tuple[Rendered, ...]:
    """A menu or a page: its text, a person's key, its options, then the other keys
    (`person_first`: a person's key before the text). A person's key never dials, so the
    parts (see _parts) are the same either way. After a wrong key (`miss`) without its
    text, which the caller has just heard: the keys are what they need, and a caller who
    then goes quiet is not kept listening."""

    def fill(gather: Gather) -> None:
        if greet:
            gather.append(speak(menus, lang, u.prompt(menus, lang, "greeting")))
        if person_first:
            _announce(menus, lang, gather, m.FIRST, node)
        if not miss:
            gather.append(speak(menus, lang, u.node_text(node, lang)))
        if not person_first:
            _announce(menus, lang, gather, m.FIRST, node)
        for opt in node.options:
            gather.append(speak(menus, lang, u.node_option(menus, lang, opt)))
        _announce(menus, lang, gather, m.EVERY, node)
        _announce(menus, lang, gather, m.MAIN, node)

    return _parts(menus, lambda part: urls.node_input(lang, node.id, miss, part, start), fill,
                  _dialling(menus, node), greet, person_first, before,
                  timeout=_then_last_chance(menus, (lang,), before))


def _said(response: VoiceResponse) -> float:
    """Seconds of what an answer already says, before its <Gather>s."""
    return sum(verb.seconds for verb in response.verbs if isinstance(verb, Rendered))


def _then_last_chance(menus: m.Menus, langs: tuple[str, ...],
                      before: float) -> Callable[[float], int]:
    """The time-out of an answer whose silence leads to the last chance: input_timeout, or
    less after a long page, so that a caller who goes quiet hears at most SILENCE_MAX
    seconds from their key to the hang-up (never less than MIN_TIMEOUT)."""

    def timeout(heard: float) -> int:
        room = int(SILENCE_MAX - before - heard - last_chance_seconds(menus, langs))
        return max(MIN_TIMEOUT, min(menus.settings.input_timeout, room))

    return timeout


def _dialling(menus: m.Menus, node: m.Node) -> frozenset[str]:
    """The keys of a menu that put the caller through: found once per node."""
    return menus.cached(("dialling", node.id), lambda: frozenset(
        o.key for o in node.options if menus.nodes[o.target].kind == m.FORWARD))


def too_early(menus: m.Menus, lang: str, node: m.Node, digits: str, miss: int, part: int,
              start: int) -> int | None:
    """The part to answer with when a key that dials was pressed before its offer was
    heard (see _parts); None when it was heard, or the key does not dial."""
    if not digits or digits not in _dialling(menus, node):
        return None
    # The part that offers the key, found once per menu and key (a key that dials, so one
    # of the menus').
    offer = menus.cached(("offer", lang, node.id, miss, digits),
                         lambda: part_offering(_menu_parts(menus, lang, node, miss), digits))
    return _offer_first(offer, part, start)


def node_input(menus: m.Menus, lang: str, node_id: str, digits: str, miss: int,
               call: Call, part: int = 0, start: int = 0) -> VoiceAnswer:
    """A key in a menu, a page or the offer of a text (whose confirming key the webhook
    answers with text_result, once it tried to send)."""
    node = menus.nodes[node_id]
    if node.kind == m.FORWARD:
        # No answer of the line gathers keys for a forward itself: such a URL is stale
        # (menus.yaml changed during the call) or made up, and repeating "the node" here
        # would answer its <Dial> to silence or any key. The main menu, as show_node.
        return show_node(menus, lang, menus.settings.main_node, call)
    target = node.target_for(digits) if digits else None
    offer = too_early(menus, lang, node, digits, miss, part, start)
    if offer is not None:  # pressed before its offer was heard: the offer first
        return Answer(_menu(menus, lang, node, call, VoiceResponse(), miss, start=offer),
                      _menu_events(menus, lang, node, miss, offer))
    if target:
        response, events = _show(menus, lang, target, call)
        return Answer(response, _event(menus, ev.CHOICE, lang, node.id, outcome=target) + events)
    action = menus.global_action(digits) if digits else None
    if action:
        response, events = GLOBAL_ACTIONS[action](
            menus, lang, call, lambda r: _show(menus, lang, node.id, call, r))
        return Answer(response, _event(menus, ev.CHOICE, lang, node.id, outcome=action) + events)

    def again(response: VoiceResponse, misses: int) -> Said:
        return NODE_KINDS[node.kind](menus, lang, node, call, response, misses)

    return Answer(*_missed(menus, lang, node, digits, miss, call, again))


def _missed(menus: m.Menus, lang: str, node: m.Node, digits: str, miss: int, call: Call,
            again: Callable[[VoiceResponse, int], Said]) -> Said:
    """A wrong key: say so and ask again; after too many, or no key at all, the numbers
    and the offer of one key (see _last_chance)."""
    response = VoiceResponse()
    miss += 1
    if not digits or miss >= menus.settings.max_misses:
        return (_last_chance(menus, (lang,), response),
                _last_chance_events(menus, (lang,), miss, node.id))
    response.append(speak(menus, lang, u.prompt(menus, lang, "invalid_key")))
    return again(response, miss)


def _last_chance(menus: m.Menus, langs: tuple[str, ...], response: VoiceResponse,
                 start: int = 0) -> VoiceResponse:
    """112 and the numbers to call, once, in each language; then one key to be put through
    to the fallback forward, offered in each language; silence says goodbye and hangs up.

    Someone who goes quiet may have been walked in on and may have put the phone down
    without hanging up: the line says what they need once and is soon quiet, and nothing
    is dialled unless they press the key after hearing it offered. The numbers are a
    <Gather> part of their own (see _parts): a caller who comes back can act at once, and
    the offered key pressed during them is answered with its offer, not a <Dial>.
    """
    for part in _last_chance_parts(menus, langs)[start:]:
        response.append(part)
    for lang in langs:
        response.append(speak(menus, lang, u.prompt(menus, lang, "goodbye")))
    response.hangup()
    return response


def _last_chance_events(menus: m.Menus, langs: tuple[str, ...], misses: int = 0,
                        node_id: str | None = None) -> Events:
    """The last chance's offer of the fallback forward, in the caller's language (None: in
    the greeting's, before one was chosen), after the miss limit when `misses` reached it
    (at the node `node_id`; None: the choice of language)."""
    lang = langs[0] if len(langs) == 1 else None
    limit = misses >= menus.settings.max_misses
    return menus.cached(("last chance events", lang, limit, node_id), lambda: (
        (Event(ev.MISS_LIMIT, lang, node_id),) if limit else ()) + (
        _offer(menus, lang, menus.settings.fallback_node),))


def _last_chance_parts(menus: m.Menus, langs: tuple[str, ...]) -> tuple[Rendered, ...]:
    def fill(gather: Gather) -> None:
        for lang in langs:
            for prompt_id in ("too_many_misses", "anonymous_number"):
                gather.append(speak(menus, lang, u.prompt(menus, lang, prompt_id)))
        for lang in langs:
            gather.append(speak(menus, lang, u.connect_option(menus, lang)))

    node_id = menus.settings.fallback_node
    return _parts(menus, lambda part: urls.connect(langs[0], node_id, part), fill,
                  frozenset({menus.settings.connect_key}), langs,
                  timeout=lambda heard: LAST_CHANCE_TIMEOUT)


def last_chance_seconds(menus: m.Menus, langs: tuple[str, ...]) -> float:
    """How long a caller who stays quiet hears the last chance, to the hang-up."""
    def count() -> float:
        response = _last_chance(menus, langs, VoiceResponse())
        return sum(_inner_seconds(verb) for verb in response.verbs)

    return menus.cached(("last chance seconds", langs), count)


def _inner_seconds(verb: object) -> float:
    """A finished verb's seconds: a <Gather>'s utterances and time-out, or an utterance."""
    if not isinstance(verb, Rendered):
        return 0.0
    if verb.name == "Gather":
        gather = verb.element
        return sum(item.seconds for item in gather.verbs) + float(gather.attrs["timeout"])
    return verb.seconds


def connect_input(menus: m.Menus, lang: str, digits: str, call: Call, part: int = 0,
                  start: int = 0) -> VoiceAnswer:
    """The key after the last chance: the offered key puts the caller through, once its
    offer was heard; a global key does what it does everywhere; any other key is a caller
    who is back: the menu."""
    if digits and digits == menus.settings.connect_key:
        offer = heard_before(_last_chance_parts(menus, (lang,)), digits, part, start)
        if offer is not None:  # pressed during the numbers: the offer first
            return Answer(_last_chance(menus, (lang,), VoiceResponse(), start=offer),
                          _last_chance_events(menus, (lang,)))
        return show_node(menus, lang, menus.settings.fallback_node, call)
    action = menus.global_action(digits) if digits else None
    if action:
        return Answer(*GLOBAL_ACTIONS[action](
            menus, lang, call, lambda r: (_last_chance(menus, (lang,), r),
                                          _last_chance_events(menus, (lang,)))))
    return show_node(menus, lang, menus.settings.main_node, call)


# -- forwards ------------------------------------------------------------------------------


def _hides_caller(contact: m.Contact) -> bool:
    # An anonymous line gets the line's number whatever its caller_id says.
    return contact.caller_id == m.CALLER_ID_LINE or contact.anonymous


def _forward(menus: m.Menus, lang: str, node: m.Node, call: Call, response: VoiceResponse,
             miss: int) -> Said:
    contact = menus.contacts[node.contact or ""]
    if not is_open(contact.hours, call.now):
        response, events = _closed(menus, lang, contact, call, response)
        return response, _event(menus, ev.CLOSED, lang, node.id, node.contact) + events
    caller_id = call.line_number if _hides_caller(contact) else None
    if _hides_caller(contact) and caller_id is None:
        # Without the line's own number Twilio would show the caller's: do not dial,
        # give the number to call instead, and the offer to try again.
        return (_failed_menu(menus, lang, node, response, miss),
                _failed_events(menus, lang, node))
    response.append(speak(menus, lang, u.node_text(node, lang)))
    if not _hides_caller(contact):
        response.append(speak(menus, lang,
                              u.contact_prompt(menus, lang, "caller_id_shared", contact)))
    # The person who answers speaks the default language: how to ask for an interpreter,
    # last, so it is what the caller has in mind when they answer.
    ask = u.interpreter(menus, lang, contact)
    if ask is not None:
        response.append(speak(menus, lang, ask))
    response.append(_dial(menus, lang, node, contact, caller_id))
    return response, menus.cached(("forward events", lang, node.id), lambda: (
        Event(ev.NODE, lang, node.id), Event(ev.FORWARD, lang, node.id, node.contact)))


def _dial(menus: m.Menus, lang: str, node: m.Node, contact: m.Contact,
          caller_id: str | None) -> Rendered:
    """The forward's <Dial>, made and serialised once per node, language and caller ID:
    the line's own number (the request's To), one for each of the line's Twilio numbers."""

    def make() -> Rendered:
        dial = Dial(action=urls.dialed(lang, node.id), method="POST",
                    timeout=menus.settings.dial_timeout, caller_id=caller_id)
        dial.number(contact.number)
        return Rendered(dial)

    # A signed To is one of the line's few numbers; an unsigned one (no TWILIO_AUTH_TOKEN,
    # development) could be anything: past a few numbers, made each time, not kept.
    numbers: set[str | None] = menus.cached(("dial numbers",), set)
    if caller_id not in numbers and len(numbers) >= LINE_NUMBERS_KEPT:
        return make()
    numbers.add(caller_id)
    return menus.cached(("dial", lang, node.id, caller_id), make)


def _closed(menus: m.Menus, lang: str, contact: m.Contact, call: Call,
            response: VoiceResponse) -> Said:
    """Outside its hours: when the contact opens, then the contacts that can be reached
    (the police and the anonymous line are always open)."""
    assert call.now is not None
    opening = next_opening(contact.hours, call.now)
    if opening is not None:
        response.append(speak(menus, lang, u.closed(menus, lang, contact, opening)))
    return _show(menus, lang, menus.settings.other_contacts_node, call, response)


def _text_offer(menus: m.Menus, lang: str, node: m.Node, call: Call, response: VoiceResponse,
                miss: int) -> Said:
    """The warning that a message will show on the phone, then: send it? Only a key sends."""
    action = urls.node_input(lang, node.id, miss)
    # The warning outside the Gather: no key cuts it short, it is heard before any send.
    response.append(speak(menus, lang, u.node_text(node, lang)))

    def fill(gather: Gather) -> None:
        gather.append(speak(menus, lang, u.text_confirm_option(menus, lang)))
        _announce(menus, lang, gather, m.FIRST, node)
        _announce(menus, lang, gather, m.EVERY, node)

    _gather(menus, response, action, fill)
    _redirect(menus, response, action)
    return response, _event(menus, ev.NODE, lang, node.id)


def text_result(menus: m.Menus, lang: str, node_id: str, outcome: str,
                call: Call) -> VoiceAnswer:
    """After the send (`outcome`: one of events.TEXT_OUTCOMES): that it went, then the main
    menu; or that it did not, the numbers to write down (once, then the key for the main
    menu, in a <Gather>: any key is heard), and for a caller who then goes quiet the last
    chance, as after any silence."""
    response = VoiceResponse()
    text = _event(menus, ev.TEXT, lang, node_id,
                  outcome=outcome if outcome in ev.TEXT_OUTCOMES else ev.FAILED)
    if outcome in (ev.SENT, ev.SIMULATED):
        response.append(speak(menus, lang, u.prompt(menus, lang, "text_sent")))
        response, events = _show(menus, lang, menus.settings.main_node, call, response)
        return Answer(response, text + events)
    action = urls.node_input(lang, menus.settings.main_node)

    def fill(gather: Gather) -> None:
        gather.append(speak(menus, lang, u.prompt(menus, lang, "text_not_sent")))
        for name in menus.nodes[node_id].numbers:
            gather.append(speak(menus, lang, u.text_number(menus, lang, menus.contacts[name])))
        _announce(menus, lang, gather, m.EVERY, None)

    _gather(menus, response, action, fill, "text not sent", node_id,
            timeout=_then_last_chance(menus, (lang,), 0.0))
    _redirect(menus, response, action)
    return Answer(response, text)


def dial_result(menus: m.Menus, lang: str, node_id: str, status: str, call: Call) -> VoiceAnswer:
    """After a forward: goodbye when the call took place, otherwise the number and a menu."""
    response = VoiceResponse()
    node = menus.nodes[node_id]
    ended = _event(menus, ev.DIALLED, lang, node_id, node.contact, ev.dial_status(status))
    if status == "completed":
        contact = menus.contacts[node.contact or ""]
        response.append(speak(menus, lang, u.contact_prompt(menus, lang, "after_call", contact)))
        response.hangup()
        return Answer(response, ended)
    # busy, no-answer, failed, canceled, or anything unknown: carriers often block
    # forwards to free-phone and premium-rate numbers, so this is a normal path.
    return Answer(_failed_menu(menus, lang, node, response, 0),
                  ended + _failed_events(menus, lang, node))


def _failed_menu(menus: m.Menus, lang: str, node: m.Node, response: VoiceResponse,
                 miss: int, start: int = 0) -> VoiceResponse:
    for part in _failed_parts(menus, lang, node, miss, start)[start:]:
        response.append(part)
    _redirect(menus, response, urls.failed_input(lang, node.id, miss))
    return response


def _failed_events(menus: m.Menus, lang: str, node: m.Node) -> Events:
    """The number to call offers one key: to try the forward again."""
    return menus.cached(("failed events", lang, node.id), lambda: (
        _offer(menus, lang, node.id),))


def _failed_parts(menus: m.Menus, lang: str, node: m.Node, miss: int,
                  start: int = 0) -> tuple[Rendered, ...]:
    """The number to call, then: try again (which dials: a part of its own), another
    contact, the main menu."""
    contact = menus.contacts[node.contact or ""]

    def fill(gather: Gather) -> None:
        gather.append(speak(menus, lang, u.contact_prompt(menus, lang, "dial_failed", contact)))
        gather.append(speak(menus, lang, u.retry_option(menus, lang)))
        gather.append(speak(menus, lang, u.other_option(menus, lang)))
        _announce(menus, lang, gather, m.EVERY, node)

    return _parts(menus, lambda part: urls.failed_input(lang, node.id, miss, part, start),
                  fill, frozenset({menus.settings.retry_key}))


def failed_input(menus: m.Menus, lang: str, node_id: str, digits: str, miss: int,
                 call: Call, part: int = 0, start: int = 0) -> VoiceAnswer:
    node, s = menus.nodes[node_id], menus.settings
    if digits and digits == s.retry_key:
        offer = heard_before(_failed_parts(menus, lang, node, miss), digits, part, start)
        if offer is not None:  # pressed during the number: the offer to try again first
            return Answer(_failed_menu(menus, lang, node, VoiceResponse(), miss, start=offer),
                          _failed_events(menus, lang, node))
        return show_node(menus, lang, node.id, call)
    if digits and digits == s.other_key:
        return show_node(menus, lang, s.other_contacts_node, call)
    action = menus.global_action(digits) if digits else None

    def again(response: VoiceResponse, misses: int) -> Said:
        return _failed_menu(menus, lang, node, response, misses), _failed_events(menus, lang,
                                                                                 node)

    if action:
        return Answer(*GLOBAL_ACTIONS[action](menus, lang, call, lambda r: again(r, 0)))
    return Answer(*_missed(menus, lang, node, digits, miss, call, again))


# -- when something went wrong -------------------------------------------------------------


def error_response(menus: m.Menus, lang: str | None, call: Call) -> VoiceAnswer:
    """An apology, then the numbers and the offer of one key, as after misses: an error is
    no reason to dial. Without a language (the choice of language failed): in the
    greeting's languages."""
    langs = (lang,) if lang else _greeting_order(menus, call)
    response = VoiceResponse()
    for each in langs:
        response.append(speak(menus, each, u.prompt(menus, each, "error")))
    return Answer(_last_chance(menus, langs, response),
                  _event(menus, ev.ERROR, lang) + _last_chance_events(menus, langs))


def last_resort(menus: m.Menus) -> VoiceAnswer:
    """Built once at start-up, for when even error_response fails: the same answer in the
    greeting's languages, made before any request could break it."""
    return error_response(menus, None, Call())


def fallback(menus: m.Menus, connect_url: str) -> VoiceResponse:
    """A fixed document for Twilio's fallback URL, used when the app is down or slow: in
    the greeting languages 112 and the numbers, then the offer to be put through by any
    key (`connect_url`: the second document, `fallback_connect`); silence says goodbye.

    A TwiML Bin cannot tell one key from another, so the offer is "press any key", said
    before the <Gather> opens: a key still being pressed for the menus of a call that
    reached this fallback midway is not taken for it. Nothing is dialled on silence.
    """
    response = VoiceResponse()
    langs = _greeting_languages(menus)
    contact = _fallback_contact(menus)
    for lang in langs:
        for prompt_id in ("too_many_misses", "anonymous_number"):
            response.append(say(menus, lang, u.prompt(menus, lang, prompt_id)))
    for lang in langs:
        response.append(say(menus, lang, u.prompt(menus, lang, "fallback_connect",
                                                name=contact.names[lang])))
    response.append(Gather(action=connect_url, method="POST", num_digits=1, finish_on_key="",
                           timeout=menus.settings.input_timeout))
    for lang in langs:
        response.append(say(menus, lang, u.prompt(menus, lang, "goodbye")))
    response.hangup()
    return response


def fallback_connect(menus: m.Menus, line_number: str | None) -> VoiceResponse:
    """The second fallback document, fetched only when the caller pressed a key after the
    offer: the forward, then the numbers again and goodbye when it ends.

    Without the line's number, callerId is "{{To}}", which a TwiML Bin fills in with the
    number that was called; a plain file host needs the number itself.
    """
    response = VoiceResponse()
    contact = _fallback_contact(menus)
    caller_id = (line_number or "{{To}}") if _hides_caller(contact) else None
    # No action: when the forward ends or fails, the numbers to call, then goodbye.
    response.dial(contact.number, timeout=menus.settings.dial_timeout, caller_id=caller_id)
    for lang in _greeting_languages(menus):
        for prompt_id in ("too_many_misses", "anonymous_number", "goodbye"):
            response.append(say(menus, lang, u.prompt(menus, lang, prompt_id)))
    response.hangup()
    return response


def _fallback_contact(menus: m.Menus) -> m.Contact:
    return menus.contacts[menus.nodes[menus.settings.fallback_node].contact or ""]


# -- dispatch tables -----------------------------------------------------------------------

NodeRenderer = Callable[[m.Menus, str, m.Node, Call, VoiceResponse, int], Said]
NODE_KINDS: dict[str, NodeRenderer] = {m.MENU: _menu_node, m.PAGE: _menu_node,
                                       m.FORWARD: _forward, m.TEXT: _text_offer}

# A global key's action gets the call and a way to repeat the current menu.
Repeat = Callable[[VoiceResponse], Said]
GlobalAction = Callable[[m.Menus, str, Call, Repeat], Said]
GLOBAL_ACTIONS: dict[str, GlobalAction] = {
    m.REPEAT: lambda menus, lang, call, repeat: repeat(VoiceResponse()),
    m.MAIN_MENU: lambda menus, lang, call, repeat: _show(
        menus, lang, menus.settings.main_node, call),
    m.LANGUAGE: lambda menus, lang, call, repeat: (
        _language_menu(menus, VoiceResponse(), call, miss=0, greet=False), ()),
    m.CONTACTS: lambda menus, lang, call, repeat: _show(
        menus, lang, menus.settings.other_contacts_node, call),
}
