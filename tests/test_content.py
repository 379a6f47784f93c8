"""What the shipped line says, checked where it once strayed from the police page it is
written from: forwards that say they call, and facts told as the page tells them."""

from __future__ import annotations

import re

import pytest

from ivr.content import catalogue as cat
from ivr.content import model as m
from ivr.content.yamlfile import read_yaml

from .helpers import MENUS_PATH, key_to, shipped_menus

MENUS = shipped_menus()
RAW, _ = read_yaml(MENUS_PATH)
FORWARDS = [node for node in MENUS.nodes.values() if node.kind == m.FORWARD]

# The word in each language's forward titles that says the key puts the caller through.
CALLS = {"nl": "bellen", "en": "call", "pl": "połączenie", "ro": "apel", "bg": "обаждане",
         "hu": "hívása", "uk": "зателефонувати", "ru": "позвонить", "ar": "الاتصال",
         "fr": "appeler", "es": "llamar"}


def texts(lang: str) -> dict[str, str]:
    """Every translatable text of the shipped file in a language, by its id."""
    return {slot.tid: cat.text(RAW, slot, lang) for slot in cat.slots(RAW)}


@pytest.mark.parametrize("lang", sorted(MENUS.languages))
@pytest.mark.parametrize("node", FORWARDS, ids=lambda node: node.id)
def test_a_forward_s_title_says_it_puts_the_caller_through(node, lang):
    # "De politie: druk op 2." next to "Het gesprek met de politie: druk op 1." left
    # the caller to guess that one key dials.
    assert CALLS[lang] in node.title[lang].lower()


def test_the_victim_page_offers_to_call_the_police_and_that_key_dials(twilio):
    page = twilio.post("/voice/nl/main/input?miss=0", Digits=key_to("main", "victim"))
    key = key_to("victim", "call_police")
    assert f"De politie bellen: druk op {key}." in page.spoken()
    assert twilio.follow(page, key).first("Dial") is not None


# Each: a text, a language, what it must say and what it must no longer say.
CORRECTIONS = [
    # "Bent u daadwerkelijk het slachtoffer van mensenhandel? Dan bemiddelt de politie om
    # u onder te brengen op een veilig adres."
    ("nodes.victim.sms", "nl", "Bent u echt slachtoffer? Dan zoekt de politie een veilig adres",
     "Slachtoffers helpt de politie"),
    ("nodes.victim.sms", "en", "If you really are a victim, the police look for a safe address",
     "The police help victims to a safe address"),
    # One investigation (team13Oceans): "zicht op 4 netwerken die in Nederland actief zijn
    # en zeker 20 kinderen aansturen ... De kinderen zelf krijgen niets".
    ("nodes.forced_crime.say", "nl", "Een politieonderzoek vond vier criminele netwerken in "
     "Nederland die zeker twintig jonge kinderen misdaden lieten plegen. Die kinderen kregen",
     "Die kinderen krijgen"),
    ("nodes.forced_crime.say", "en", "One police investigation found four criminal networks",
     "There are criminal networks"),
    # "Meldingen zullen zo mogelijk ICT-forensisch worden onderzocht en vervolgens ...
    # worden gedeeld met de politie of andere partijen die hulp kunnen bieden."
    ("nodes.minors.say", "nl", "Meldingen worden zo mogelijk digitaal-forensisch onderzocht. "
     "Daarna deelt het meldpunt ze met de politie of anderen die kunnen helpen",
     "deelt meldingen zo mogelijk met de politie"),
    # "een onredelijk groot deel van hun inkomsten moeten afdragen"; "beperkte
    # bewegingsvrijheid hebben".
    ("nodes.signals.sms", "nl", "- veel te veel van hun inkomsten moeten afgeven", "loon"),
    ("nodes.signals.sms", "nl", "- beperkte bewegingsvrijheid", "vrij gaan en staan"),
    ("nodes.signals.sms", "en", "far too much of their income", "their pay"),
    ("nodes.signals_last.say", "nl", "Iemand heeft beperkte bewegingsvrijheid.",
     "vrij gaan en staan"),
    # "kan IOM Nederland individuele bemiddeling bieden".
    ("nodes.iom.say", "nl", "IOM individuele bemiddeling bieden", "persoonlijk"),
    ("nodes.iom.say", "en", "IOM can offer individual mediation", "personally"),
    ("nodes.sexual.say", "ru", "мальчики", "парни"),
    ("prompts.text_confirm", "ar", "لإرسال الرسالة", "أرسلوا"),
    ("prompts.option", "hu", "{title}: nyomja meg: {key}.", "nyomja meg ezt:"),
]


@pytest.mark.parametrize(("tid", "lang", "says", "not_any_more"), CORRECTIONS)
def test_a_corrected_text_says_what_the_police_page_says(tid, lang, says, not_any_more):
    text = texts(lang)[tid]
    assert says in text
    assert not_any_more not in text


@pytest.mark.parametrize("lang", sorted(MENUS.languages))
def test_the_organisations_by_text_name_meld_misdaad_anoniem_and_its_number(lang):
    # "of anoniem door het gratis nummer Meld Misdaad Anoniem te bellen op 0800-7000"
    lines = MENUS.nodes["help"].sms[lang].splitlines()
    assert any(line.startswith("Meld Misdaad Anoniem") and line.endswith("{anonymous}")
               for line in lines), lines


@pytest.mark.parametrize("lang", ["es", "ro"])
def test_spanish_and_romanian_write_oim(lang):
    assert MENUS.contacts["iom"].names[lang] == "OIM"
    assert [tid for tid, text in texts(lang).items() if re.search(r"\bIOM\b", text)] == []


def test_english_keeps_a_formal_statement_apart_from_a_report():
    # aangifte: the formal statement a victim makes; melding: a report, which may be all
    # that comes of it ("Maar het kan ook zijn dat er alleen een melding wordt gemaakt").
    dutch, english = texts("nl"), texts("en")
    statements = [tid for tid, text in dutch.items() if "aangifte" in text.lower()
                  and not tid.endswith((".keywords", "lock_screen_words"))]
    assert statements
    for tid in statements:
        assert "formal statement" in english[tid], tid
        assert not re.search(r"\breport(ing)? the crime\b|\ba report of the crime\b",
                             english[tid]), tid
    assert "Sometimes only a report is made." in english["nodes.victim_next.say"]
