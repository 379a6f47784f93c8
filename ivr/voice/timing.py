"""How long a caller listens before they can act, by the model in the README (Time to act).

150 words a minute, each digit of a number one word, SSML pauses added, recordings by
their real length, and a key pressed as soon as the utterance that offers it has been
said. The figures come from the real answers of ivr.voice (the same TwiML a caller gets),
walked as a caller would walk them: only keys that an answer offers are pressed, so a
path that reaches a <Dial> is one the caller chose.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from ivr.content import model as m
from ivr.content.problems import ERROR, Problem
from ivr.twiml.events import REFUSED_TEXT, SENT
from ivr.twiml.serialise import Rendered, document
from ivr.voice import answers as voice
from ivr.voice.simulate import SIMULATED_LINE
from ivr.voice.speech import say_seconds, speak
from ivr.voice.utterances import every

# The goals of the caller-first issue, in seconds of listening.
GREETING_MAX = 10  # the greeting, before the first language is offered
LANGUAGES_MAX = 30  # every language offered
FORWARD_MAX = 30  # the police, the anonymous line and CoMensha reached (in Dutch)
# From a number of the line's own language (LINE_NUMBERS), in every language: the police
# (the fallback forward), and every contact within FORWARD_MAX.
OWN_NUMBER_FIRST_MAX = 20
PROMPT_MAX = 25  # any one thing the line says
MAIN_CHOICES_MAX = 6  # the main menu's choices, besides the global keys
HOME = "NL"  # the goals hold for a caller with a Dutch mobile number

NODE_URL = re.compile(r"/voice/([^/]+)/([^/]+)/(input|failed|connect)$")


@dataclass(frozen=True)
class Heard:
    start: float
    end: float
    offers: str | None = None  # the key this utterance offers


def heard(response: TwiML) -> list[Heard]:
    """What the caller hears, in order, up to the first <Dial> (which ends the listening)."""
    return [item for item, _action in _timeline(response)]


def _timeline(response: TwiML) -> list[tuple[Heard, str | None]]:
    """Each utterance with the action URL of the <Gather> it stands in (None outside)."""
    result: list[tuple[Heard, str | None]] = []
    clock = 0.0
    verbs = [verb for verb in response.verbs if not isinstance(verb, str)]
    gathers = [verb for verb in verbs if _inner(verb).name == "Gather"]
    for verb in verbs:
        inner = _inner(verb)
        if inner.name == "Dial":
            break
        gather = isinstance(inner, Gather)
        action = str(inner.attrs.get("action", "")) if gather else None
        for seconds, offers in _utterances(inner.verbs if gather else [verb]):
            result.append((Heard(clock, clock + seconds, offers), action))
            clock += seconds
        if gather and verb is not gathers[-1]:  # a part: Twilio waits its time-out
            clock += float(inner.attrs.get("timeout", 0))
    return result


def _inner(verb: TwiML) -> TwiML:
    return verb.element if isinstance(verb, Rendered) else verb


def _utterances(verbs: list) -> Iterator[tuple[float, str | None]]:
    """(seconds, key offered) for each <Say> or <Play> among the verbs."""
    for verb in verbs:
        if isinstance(verb, str):
            continue
        inner = _inner(verb)
        if isinstance(verb, Rendered) and inner.name in ("Say", "Play"):
            yield verb.seconds, verb.offers
        elif isinstance(inner, Say):
            yield say_seconds(inner.to_xml(xml_declaration=False)), None


def offered(response: TwiML) -> dict[str, float]:
    """Each key the answer offers, and when the caller has heard its offer."""
    return {key: seconds for key, (seconds, _url) in offers(response).items()}


def offers(response: TwiML) -> dict[str, tuple[float, str]]:
    """Each key the answer offers: when its offer has been heard, and the action URL of
    the <Gather> (the part) that the key is pressed in then."""
    keys: dict[str, tuple[float, str]] = {}
    for item, action in _timeline(response):
        if item.offers and action and item.offers not in keys:
            keys[item.offers] = (item.end, action)
    return keys


def dials(response: TwiML) -> bool:
    return any(not isinstance(verb, str) and verb.name == "Dial" for verb in response.verbs)


def action(response: TwiML) -> str | None:
    """The URL the answer's <Gather> sends a key to."""
    for verb in response.verbs:
        inner = _inner(verb)
        if isinstance(inner, Gather):
            return str(inner.attrs.get("action", ""))
    return None


def answer(menus: m.Menus, url: str, digits: str, call: voice.Call) -> VoiceResponse | None:
    """What the line answers when `digits` is pressed at `url`, as the webhooks route it
    (None for the key that sends a text, which is not a place to listen)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    miss = int(query.get("miss", ["0"])[0])
    part = int(query.get("part", ["0"])[0])
    start = int(query.get("from", ["0"])[0])
    if parts.path == "/voice/language":
        return voice.language_input(menus, digits, miss, call, query.get("page") == ["2"]).twiml
    found = NODE_URL.fullmatch(parts.path)
    if not found:
        return None
    lang, node_id, kind = found.groups()
    node = menus.nodes[node_id]
    if kind == "connect":
        return voice.connect_input(menus, lang, digits, call, part, start).twiml
    if kind == "failed":
        return voice.failed_input(menus, lang, node_id, digits, miss, call, part, start).twiml
    if node.kind == m.TEXT and digits == menus.settings.text_confirm_key:
        return None
    return voice.node_input(menus, lang, node_id, digits, miss, call, part, start).twiml


@dataclass(order=True)
class _Step:
    seconds: float
    order: int
    response: VoiceResponse = field(compare=False)


def to_forwards(menus: m.Menus, region: str | None, lang: str | None = None,
                own_number: bool = False) -> dict[str, float]:
    """The fewest seconds of listening from the start of a call to each forward's <Dial>
    (in `lang` only, when given), pressing only offered keys, each as soon as offered.
    `own_number`: the call is to a number of the line that has `lang` as its language."""
    numbers = {SIMULATED_LINE: lang} if own_number and lang else {}
    call = voice.Call.from_to(SIMULATED_LINE, region, languages=numbers)
    best: dict[str, float] = {}
    seen: set[str] = set()
    todo = [_Step(0.0, 0, voice.incoming(menus, call).twiml)]
    count = 0
    while todo:
        step = heapq.heappop(todo)
        url = action(step.response)
        said = document(step.response)
        if url is None or said in seen:
            continue
        seen.add(said)
        for key, (at, pressed_at) in offers(step.response).items():
            following = answer(menus, pressed_at, key, call)
            if following is None:
                continue
            count += 1
            if dials(following):
                _reached(best, following, step.seconds + at, lang)
            else:
                heapq.heappush(todo, _Step(step.seconds + at, count, following))
    return best


def _reached(best: dict[str, float], response: VoiceResponse, seconds: float,
             lang: str | None) -> None:
    dial = next(v for v in response.verbs if not isinstance(v, str) and v.name == "Dial")
    inner = _inner(dial)
    found = re.fullmatch(r"/voice/([^/]+)/([^/]+)/dialed", str(inner.attrs.get("action", "")))
    if not found or (lang and found.group(1) != lang):
        return
    total = seconds + sum(h.end - h.start for h in heard(response))
    node_id = found.group(2)
    best[node_id] = min(best.get(node_id, total), total)


def greeting(menus: m.Menus, region: str | None) -> tuple[float, float]:
    """Seconds before the first language is offered, and until the last one has been."""
    response = voice.incoming(menus, voice.Call.from_to(SIMULATED_LINE, region)).twiml
    items = heard(response)
    language_keys = {language.key[0] for language in menus.languages.values()}
    offers = [h for h in items if h.offers in language_keys]
    if not offers:
        return 0.0, 0.0
    return offers[0].start, offers[-1].end


def longest(menus: m.Menus, lang: str) -> tuple[str, float]:
    """The longest single utterance of a language: its id and seconds."""
    lengths = {uid: speak(menus, lang, u).seconds for uid, u in every(menus, lang).items()}
    uid = max(lengths, key=lambda k: lengths[k])
    return uid, lengths[uid]


@dataclass
class Figures:
    """The time figures of one language, for `make check`."""

    longest_prompt: str
    longest_seconds: float
    forwards: dict[str, float]  # forward node -> seconds, for a caller of this language
    own_number: dict[str, float]  # the same, calling a number of the language's own


def language_figures(menus: m.Menus, lang: str) -> Figures:
    """For a caller with a Dutch mobile number, as the goals are: the forwards in `lang`,
    through the choice of language and from a number of its own."""
    uid, seconds = longest(menus, lang)
    return Figures(uid, round(seconds, 1), _rounded(to_forwards(menus, HOME, lang)),
                   _rounded(own_number_forwards(menus, lang)))


def _rounded(reached: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in sorted(reached.items())}


def own_number_forwards(menus: m.Menus, lang: str) -> dict[str, float]:
    """Each forward reached in `lang` by a caller with a Dutch mobile number who called a
    number of the line whose language is `lang` (LINE_NUMBERS); made once per menus, for
    the figures and the goals alike."""
    return menus.cached(("own number forwards", lang),
                        lambda: to_forwards(menus, HOME, lang, own_number=True))


def problems(menus: m.Menus, source: str) -> list[Problem]:
    """Every broken goal, as errors for the report."""
    found: list[Problem] = []

    def error(where: str, message: str, lang: str | None = None) -> None:
        found.append(Problem(where, message, ERROR, source, lang))

    for check in (_greeting_goals, _main_menu_goal, _forward_goals, _own_number_goals,
                  _prompt_goals, _quiet_goals):
        check(menus, error)
    return found


Report = Callable[..., None]  # error(where, message, lang=None)


def _greeting_goals(menus: m.Menus, error: Report) -> None:
    first, last = greeting(menus, HOME)
    if first > GREETING_MAX:
        error("prompt 'greeting'", f"{first:.1f} s before the first language is offered to a "
              f"caller from {HOME}; at most {GREETING_MAX} s: 112 once, nothing that can wait")
    if last > LANGUAGES_MAX:
        error("languages", f"the last language is offered after {last:.1f} s; at most "
              f"{LANGUAGES_MAX} s: shorten the greeting or the offers")


def _main_menu_goal(menus: m.Menus, error: Report) -> None:
    main = menus.nodes[menus.settings.main_node]
    if len(main.options) > MAIN_CHOICES_MAX:
        error(f"node '{main.id}'", f"{len(main.options)} choices; at most {MAIN_CHOICES_MAX} "
              "besides the global keys, the most urgent first")


def _forward_goals(menus: m.Menus, error: Report) -> None:
    home = menus.settings.default_language
    reached = to_forwards(menus, HOME, home)
    for node in menus.nodes.values():
        if node.kind != m.FORWARD:
            continue
        seconds = reached.get(node.id)
        if seconds is None:
            error(f"node '{node.id}'", f"no key leads a caller to it ({home}): offer it in "
                  "a menu, such as the contacts", home)
        elif seconds > FORWARD_MAX:
            error(f"node '{node.id}'", f"reached after {seconds:.1f} s of listening ({home}); "
                  f"at most {FORWARD_MAX} s: offer it earlier", home)


def _own_number_goals(menus: m.Menus, error: Report) -> None:
    """A caller of a number with a language: the first contact (the police) within
    OWN_NUMBER_FIRST_MAX seconds, every contact within FORWARD_MAX, in every language."""
    first = menus.settings.fallback_node
    for lang in menus.languages:
        reached = own_number_forwards(menus, lang)
        for node_id, seconds in reached.items():
            goal = OWN_NUMBER_FIRST_MAX if node_id == first else FORWARD_MAX
            if seconds > goal:
                error(f"node '{node_id}'", f"reached after {seconds:.1f} s of listening "
                      f"from a number of its own ({lang}); at most {goal} s: shorten the "
                      "112 sentence or the main menu's text, or offer it earlier", lang)


def _prompt_goals(menus: m.Menus, error: Report) -> None:
    for lang in menus.languages:
        for uid, utterance in every(menus, lang).items():
            seconds = speak(menus, lang, utterance).seconds
            if seconds <= 0:
                error(f"utterance '{uid}' ({lang})", "its recording cannot be read, so how long "
                      "it plays is unknown: record it again", lang)
            elif seconds > PROMPT_MAX:
                error(f"utterance '{uid}' ({lang})", f"{seconds:.1f} s when spoken; at most "
                      f"{PROMPT_MAX} s: split the text into a page and a 'more' option", lang)


# -- the caller who goes quiet -----------------------------------------------------------

QUIET_MAX = voice.SILENCE_MAX  # from a caller's last key to the hang-up, if they go quiet
OUTSIDE_MAX = 15  # speech outside any <Gather>, where no key is heard
LANGUAGE_MENU = "language menu"  # the figures of the choice of language, in no language
ANY_KEY = [*"0123456789*#"]


@dataclass
class Quiet:
    """What a caller who goes quiet hears, at worst, in one language."""

    seconds: float = 0.0  # from their last key to the hang-up
    after: str = ""  # the answer to that key (its first URL)
    outside: float = 0.0  # the longest stretch of speech outside any <Gather>
    outside_in: str = ""


def quiet(menus: m.Menus, region: str | None) -> tuple[dict[str, Quiet], float]:
    """For each language (and LANGUAGE_MENU), the most a caller from `region` hears who
    goes quiet after any key anywhere (any menu, page, wrong key, the choice of language, a
    failed forward, a text sent or not, an error, the last chance), and the longest speech
    outside a <Gather>; then the seconds from the start of the call, which no key began.
    Worked out once for the menus and the region."""
    return menus.cached(("quiet", region), lambda: _quiet(menus, region))


def _quiet(menus: m.Menus, region: str | None) -> tuple[dict[str, Quiet], float]:
    call = voice.Call.from_to(SIMULATED_LINE, region)
    first = voice.incoming(menus, call).twiml
    chains: dict[str, float] = {}
    worst: dict[str, Quiet] = {}
    for response in _reachable(menus, call, first):
        where = _first_url(response)
        lang = _language(where)
        figures = worst.setdefault(lang, Quiet())
        seconds, outside = _listened(response)
        if outside > figures.outside:
            figures.outside, figures.outside_in = round(outside, 1), where
        if dials(response) or response is first:
            continue
        total = seconds + _quiet_after(menus, call, response, chains)
        if total > figures.seconds:
            figures.seconds, figures.after = round(total, 1), where
    return worst, round(_listened(first)[0] + _quiet_after(menus, call, first, chains), 1)


def _reachable(menus: m.Menus, call: voice.Call, first: VoiceResponse) -> Iterator[TwiML]:
    """Every answer a caller can get, pressing any key or none in each <Gather> (an answer
    in parts has several) of every answer, from the start of the call, from each forward
    that failed and each text that was sent or not, and from an error."""
    seeds: list[TwiML] = [first, voice.error_response(menus, None, call).twiml]
    for lang in menus.languages:
        seeds.append(voice.error_response(menus, lang, call).twiml)
        for node in menus.nodes.values():
            if node.kind == m.FORWARD:
                seeds.append(voice.dial_result(menus, lang, node.id, "no-answer", call).twiml)
            elif node.kind == m.TEXT:
                seeds.extend(voice.text_result(menus, lang, node.id, sent, call).twiml
                             for sent in (SENT, REFUSED_TEXT))
    seen: set[str] = set()
    todo = list(seeds)
    while todo:
        response = todo.pop()
        text = document(response)
        if text in seen:
            continue
        seen.add(text)
        yield response
        presses: list[tuple[str, str | None]] = [
            (key, url) for url in _gather_urls(response) for key in ANY_KEY]
        presses.append(("", _redirect_url(response)))
        for key, url in presses:
            following = answer(menus, url, key, call) if url else None
            if following is not None:
                todo.append(following)


def _quiet_after(menus: m.Menus, call: voice.Call, response: TwiML,
                 chains: dict[str, float]) -> float:
    """Seconds heard after an answer's time-outs, if the caller stays quiet: the answers
    its <Redirect> leads to, to the hang-up (inf where silence never ends the call)."""
    url = _redirect_url(response)
    if url is None:
        return 0.0
    if url not in chains:
        chains[url] = float("inf")  # a loop of silences never hangs up
        following = answer(menus, url, "", call)
        assert following is not None and not dials(following), f"silence at {url} dials"
        chains[url] = _listened(following)[0] + _quiet_after(menus, call, following, chains)
    return chains[url]


def _gather_urls(response: TwiML) -> list[str]:
    return [str(_inner(verb).attrs["action"]) for verb in response.verbs
            if not isinstance(verb, str) and isinstance(_inner(verb), Gather)]


def _first_url(response: TwiML) -> str:
    return next(iter(_gather_urls(response)), None) or _redirect_url(response) or next(
        (str(_inner(v).attrs.get("action", "")) for v in response.verbs
         if not isinstance(v, str) and _inner(v).name == "Dial"), "")


def _language(url: str) -> str:
    found = re.match(r"/voice/([^/]+)/", url)
    return found.group(1) if found else LANGUAGE_MENU


def _redirect_url(response: TwiML) -> str | None:
    for verb in response.verbs:
        inner = _inner(verb)
        if getattr(inner, "name", "") == "Redirect":
            return str(inner.value)
    return None


def _listened(response: TwiML) -> tuple[float, float]:
    """Seconds a caller who presses nothing listens to an answer (every <Gather>'s
    time-out included), and its longest stretch of speech outside any <Gather>."""
    total = outside = longest_outside = 0.0
    for verb in response.verbs:
        if isinstance(verb, str):
            continue
        inner = _inner(verb)
        if isinstance(inner, Gather):
            total += sum(s for s, _ in _utterances(inner.verbs))
            total += float(inner.attrs.get("timeout", 5))  # Twilio's default: 5 s
            outside = 0.0
            continue
        for seconds, _ in _utterances([verb]):
            total += seconds
            outside += seconds
            longest_outside = max(longest_outside, outside)
    return total, longest_outside


def _quiet_goals(menus: m.Menus, error: Report) -> None:
    for lang, figures in quiet(menus, HOME)[0].items():
        code = None if lang == LANGUAGE_MENU else lang
        where = f"the answer at {figures.after} ({lang})"
        if figures.seconds > QUIET_MAX:
            error(where, f"a caller who goes quiet after it hears {figures.seconds:.1f} s "
                  f"before the line hangs up; at most {QUIET_MAX} s: shorten it, or split "
                  "the page into a page and a 'more' option", code)
        if figures.outside > OUTSIDE_MAX:
            error(f"the answer at {figures.outside_in} ({lang})", f"{figures.outside:.1f} s "
                  f"of speech outside a <Gather>, where no key is heard; at most "
                  f"{OUTSIDE_MAX} s: a caller who comes back must be able to act", code)
