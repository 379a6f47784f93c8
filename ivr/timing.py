"""How long a caller listens before they can act, by the model of DEVELOPERS.md.

150 words a minute, each digit of a number one word, SSML pauses added, recordings by
their real length, and a key pressed as soon as the utterance that offers it has been
said. The figures come from the real answers of ivr.voice (the same TwiML a caller gets),
walked as a caller would walk them: only keys that an answer offers are pressed, so a
path that reaches a <Dial> is one the caller chose.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from . import model as m
from . import voice
from .problems import ERROR, Problem
from .serialise import Rendered, document
from .simulate import SIMULATED_LINE
from .speech import say_seconds, speak
from .utterances import every

# The goals of the caller-first issue, in seconds of listening.
GREETING_MAX = 10  # the greeting, before the first language is offered
LANGUAGES_MAX = 30  # every language offered
FORWARD_MAX = 30  # the police, the anonymous line and CoMensha reached (in Dutch)
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
    result: list[Heard] = []
    clock = 0.0
    for verb in _utterances(response):
        if verb is None:
            break
        seconds, offers = verb
        result.append(Heard(clock, clock + seconds, offers))
        clock += seconds
    return result


def _utterances(element: TwiML) -> Iterator[tuple[float, str | None] | None]:
    """(seconds, key offered) for each utterance; None at a <Dial>."""
    for verb in element.verbs:
        if isinstance(verb, str):
            continue
        inner = verb.element if isinstance(verb, Rendered) else verb
        if inner.name == "Dial":
            yield None
            return
        if isinstance(verb, Rendered) and inner.name in ("Say", "Play"):
            yield verb.seconds, verb.offers
        elif isinstance(inner, Say):
            yield say_seconds(inner.to_xml(xml_declaration=False)), None
        elif isinstance(inner, Gather):
            yield from _utterances(inner)


def offered(response: TwiML) -> dict[str, float]:
    """Each key the answer offers, and when the caller has heard its offer."""
    keys: dict[str, float] = {}
    for item in heard(response):
        if item.offers and item.offers not in keys:
            keys[item.offers] = item.end
    return keys


def dials(response: TwiML) -> bool:
    return any(not isinstance(verb, str) and verb.name == "Dial" for verb in response.verbs)


def action(response: TwiML) -> str | None:
    """The URL the answer's <Gather> sends a key to."""
    for verb in response.verbs:
        inner = verb.element if isinstance(verb, Rendered) else verb
        if isinstance(inner, Gather):
            return str(inner.attrs.get("action", ""))
    return None


def answer(menus: m.Menus, url: str, digits: str, call: voice.Call) -> VoiceResponse | None:
    """What the line answers when `digits` is pressed at `url`, as the webhooks route it
    (None for the key that sends a text, which is not a place to listen)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    miss = int(query.get("miss", ["0"])[0])
    if parts.path == "/voice/language":
        return voice.language_input(menus, digits, miss, call, query.get("page") == ["2"])
    found = NODE_URL.fullmatch(parts.path)
    if not found:
        return None
    lang, node_id, kind = found.groups()
    node = menus.nodes[node_id]
    if kind == "connect":
        return voice.connect_input(menus, lang, digits, call)
    if kind == "failed":
        return voice.failed_input(menus, lang, node_id, digits, miss, call)
    if node.kind == m.TEXT and digits == menus.settings.text_confirm_key:
        return None
    return voice.node_input(menus, lang, node_id, digits, miss, call)


@dataclass(order=True)
class _Step:
    seconds: float
    order: int
    response: VoiceResponse = field(compare=False)


def to_forwards(menus: m.Menus, region: str | None, lang: str | None = None) -> dict[str, float]:
    """The fewest seconds of listening from the start of a call to each forward's <Dial>
    (in `lang` only, when given), pressing only offered keys, each as soon as offered."""
    call = voice.Call.from_to(SIMULATED_LINE, region)
    best: dict[str, float] = {}
    seen: set[str] = set()
    todo = [_Step(0.0, 0, voice.incoming(menus, call))]
    count = 0
    while todo:
        step = heapq.heappop(todo)
        url = action(step.response)
        said = document(step.response)
        if url is None or said in seen:
            continue
        seen.add(said)
        for key, at in offered(step.response).items():
            following = answer(menus, url, key, call)
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
    inner = dial.element if isinstance(dial, Rendered) else dial
    found = re.fullmatch(r"/voice/([^/]+)/([^/]+)/dialed", str(inner.attrs.get("action", "")))
    if not found or (lang and found.group(1) != lang):
        return
    total = seconds + sum(h.end - h.start for h in heard(response))
    node_id = found.group(2)
    best[node_id] = min(best.get(node_id, total), total)


def greeting(menus: m.Menus, region: str | None) -> tuple[float, float]:
    """Seconds before the first language is offered, and until the last one has been."""
    response = voice.incoming(menus, voice.Call.from_to(SIMULATED_LINE, region))
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


def language_figures(menus: m.Menus, lang: str) -> Figures:
    language = menus.languages[lang]
    region = HOME if lang == menus.settings.default_language or not language.countries else (
        language.countries[0])
    uid, seconds = longest(menus, lang)
    return Figures(uid, round(seconds, 1), {k: round(v, 1) for k, v in sorted(
        to_forwards(menus, region, lang).items())})


def problems(menus: m.Menus, source: str) -> list[Problem]:
    """Every broken goal, as errors for the report."""
    found: list[Problem] = []

    def error(where: str, message: str, lang: str | None = None) -> None:
        found.append(Problem(where, message, ERROR, source, lang))

    first, last = greeting(menus, HOME)
    if first > GREETING_MAX:
        error("prompt 'greeting'", f"{first:.1f} s before the first language is offered to a "
              f"caller from {HOME}; at most {GREETING_MAX} s: 112 once, nothing that can wait")
    if last > LANGUAGES_MAX:
        error("languages", f"the last language is offered after {last:.1f} s; at most "
              f"{LANGUAGES_MAX} s: shorten the greeting or the offers")
    main = menus.nodes[menus.settings.main_node]
    if len(main.options) > MAIN_CHOICES_MAX:
        error(f"node '{main.id}'", f"{len(main.options)} choices; at most {MAIN_CHOICES_MAX} "
              "besides the global keys, the most urgent first")
    home = menus.settings.default_language
    reached = to_forwards(menus, HOME, home)
    for node in menus.nodes.values():
        if node.kind != m.FORWARD:
            continue
        seconds = reached.get(node.id)
        if seconds is None or seconds > FORWARD_MAX:
            said = "not reached" if seconds is None else f"reached after {seconds:.1f} s"
            error(f"node '{node.id}'", f"{said} of listening ({home}); at most {FORWARD_MAX} s: "
                  "offer it earlier", home)
    for lang in menus.languages:
        for uid, utterance in every(menus, lang).items():
            seconds = speak(menus, lang, utterance).seconds
            if seconds > PROMPT_MAX:
                error(f"utterance '{uid}' ({lang})", f"{seconds:.1f} s when spoken; at most "
                      f"{PROMPT_MAX} s: split the text into a page and a 'more' option", lang)
    return found
