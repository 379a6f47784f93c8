"""What a translator needs to know beside each text: where it is heard or read, how
long it may be, and what each {placeholder} becomes. Written into the PO file as
extracted comments (`#.`), which Poedit, Weblate and Crowdin show beside the text."""

from __future__ import annotations

from collections import defaultdict

from ivr.content import model as m
from ivr.content.catalogue import Slot
from ivr.content.model import PLACEHOLDER_RE
from ivr.voice import timing
from ivr.voice.speech import say, say_seconds
from ivr.voice.utterances import every
from sms.checks import replies
from sms.segments import count

# Option-like utterances are made of a title (or prompt) and the 'option' prompt.
_OPTION_PROMPTS = {"failed.retry": "dial_retry", "text.confirm": "text_confirm"}
PLACEHOLDERS = {
    "name": "the name of the organisation (contacts.*.name)",
    "number": "that organisation's number, spoken in digit groups, twice",
    # in a text message: the same number, written as a phone makes it tappable
    "title": "the title of the menu or action it leads to (nodes.*.title)",
    "key": "the key to press, as spoken: a digit, or prompts.key_star / prompts.key_hash",
    "first": "the first key of a two-key choice, e.g. 9",
    "second": "the second key of a two-key choice, e.g. 1",
    "day": "a day of the week (prompts.day_mon ... prompts.day_sun)",
    "time": "a time, such as 09:00",
    "keyword": "an SMS keyword, such as MEER or TAAL, as the texter must write it",
}


def text_ids(menus: m.Menus, uid: str) -> list[str]:
    """The texts an utterance is made of: prompt.closed.<contact>.<opening> -> prompts.closed."""
    head, _, rest = uid.partition(".")
    name = rest.split(".")[0]
    if head == "prompt":
        return [f"prompts.{name}"]
    if head == "node":
        return [f"nodes.{rest}.say"]
    if head == "global":
        return [f"prompts.global_{name}", "prompts.option"]
    option = _OPTION_PROMPTS.get(f"{head}.{name}")
    if option:
        return [f"prompts.{option}", "prompts.option"]
    if name in menus.nodes:  # option., connect., failed.<node>
        return [f"nodes.{name}.title", "prompts.option"]
    return []


def heard(menus: m.Menus, lang: str) -> dict[str, tuple[str, float]]:
    """For each text id: its longest utterance in the language and the model's seconds
    for it as <Say> (timing's 150 words a minute, numbers in digit groups)."""
    longest: dict[str, tuple[str, float]] = defaultdict(lambda: ("", 0.0))
    for uid, utterance in every(menus, lang).items():
        seconds = say_seconds(say(menus, lang, utterance).to_xml(xml_declaration=False))
        for tid in text_ids(menus, uid):
            if seconds > longest[tid][1]:
                longest[tid] = (uid, seconds)
    return dict(longest)


def sms_costs(menus: m.Menus, lang: str) -> dict[str, tuple[int, int]]:
    """For each SMS text id: the most segments one message with it costs, and in how many
    messages it is sent (a topic is cut into pages that each fit the budget)."""

    shared = [f"prompts.{pid}" for pid in menus.prompts if pid.startswith("sms_")]
    costs: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for where, reply, budget, reply_lang in replies(menus):
        if reply_lang != lang or budget >= 10**6:  # WhatsApp: no segments
            continue
        segments = count(reply).segments
        node = where.split("'")[1] if where.startswith("node '") else None
        for tid in shared + ([f"nodes.{node}.sms"] if node else []):
            most, messages = costs[tid]
            costs[tid] = (max(most, segments), messages + 1)
    return dict(costs)


def placeholder_notes(menus: m.Menus, source: str, heard: bool) -> list[str]:
    """What each placeholder becomes: a number is spoken on the phone, written in a text."""
    notes = []
    for name in dict.fromkeys(PLACEHOLDER_RE.findall(source)):
        contact = menus.contacts.get(name)
        if contact:
            times = "twice" if contact.repeat else "once"
            said = (f"spoken in digit groups ({' '.join(contact.spoken)}), {times}" if heard
                    else f"written {contact.display}")
            notes.append(f"{{{name}}} becomes the number of {contact.names.get('en', name)}, "
                         f"{said}. Keep it as it is.")
        else:
            meaning = PLACEHOLDERS.get(name, "filled in by the line")
            notes.append(f"{{{name}}} becomes {meaning}. Keep it as it is.")
    return notes


class Notes:
    """The figures for one language, computed once for a whole export."""

    def __init__(self, menus: m.Menus, lang: str) -> None:
        self.menus = menus
        self.lang = lang if lang in menus.languages else None
        dutch = menus.settings.default_language
        self.dutch_heard = heard(menus, dutch)
        self.heard = heard(menus, self.lang) if self.lang else {}
        self.costs = sms_costs(menus, self.lang) if self.lang else {}

    def __call__(self, slot: Slot, source: str) -> str:
        heard = slot.tid in self.dutch_heard or slot.tid.startswith("contacts.")
        lines = self._where(slot) + placeholder_notes(self.menus, source, heard)
        return "\n".join(lines)

    def _where(self, slot: Slot) -> list[str]:
        if slot.tid == "sms.lock_screen_words":
            return ["Not a translation: words or word beginnings in this language that must "
                    "never stand in the first 60 characters of a text message, which a locked "
                    "phone shows. Separate them with a comma."]
        if slot.words:
            return ["SMS keywords: words a texter may send for this, separated by a comma; "
                    "each one word of letters or digits, none meaning two things."]
        lines = []
        if slot.tid in self.dutch_heard:
            lines.append(self._voice(slot.tid))
        if slot.tid.endswith(".sms") or slot.tid.startswith("prompts.sms_"):
            lines.append(self._sms(slot.tid))
        if slot.tid.startswith("contacts."):
            lines.append("The organisation's name: heard in prompts and read in text messages.")
        return lines or ["Heard on the phone (voice)."]

    def _voice(self, tid: str) -> str:
        uid, dutch = self.dutch_heard[tid]
        mine = self.heard.get(tid)
        now = f"; in this language now {mine[1]:.1f} s" if mine else ""
        return (f"Heard on the phone (voice), e.g. as {uid}: Dutch {dutch:.1f} s{now}, at 150 "
                f"words a minute; at most {timing.PROMPT_MAX} s for anything the line says.")

    def _sms(self, tid: str) -> str:
        budget = self.menus.sms.max_segments
        most, messages = self.costs.get(tid, (0, 0))
        if not messages:
            return f"Read in a text message (SMS) of at most {budget} segments."
        if tid.startswith("prompts."):
            return (f"Part of text messages (SMS): the fullest reply with it in this language "
                    f"costs {most} of at most {budget} segments.")
        node = self.menus.nodes.get(tid.split(".")[1])
        if node is not None and node.kind == m.TEXT:
            return (f"Read in one text message (SMS) sent to a caller, never split: {most} of "
                    f"{budget} segments now, {budget - most} left.")
        return (f"Read in a text message (SMS): sent now as {messages} message(s) of at most "
                f"{budget} segments (the fullest {most}); a longer text becomes one more "
                "message, which the texter asks for with the MORE keyword.")
