"""Eleven languages: the order of the offers, the second page, recordings, no half languages."""

from __future__ import annotations

import json
import re
import shutil
import wave

import pytest

from app import create_app
from ivr.content.problems import ERROR, MenuError
from ivr.content.recordings import read_manifest
from ivr.lines import check_file, load_menus
from ivr.voice import answers as voice
from ivr.voice.speech import text_hash
from ivr.voice.utterances import every
from sms.replies import index_pages

from .helpers import CALLER, MENUS_PATH, ROOT, TOKEN, Twilio, shipped_menus

MENUS = shipped_menus()


def offered(answer) -> list[str]:
    """The languages in the order the caller hears them offered."""
    order = []
    for element in answer.first("Gather"):
        text = element.text if element.tag == "Play" else None
        if text and "/prompt.language_offer." in text:
            order.append(text.split("/")[-2])
        elif element.tag == "Say":
            lang = next((code for code, lang in MENUS.languages.items()
                         if lang.voice == element.get("voice")), None)
            spoken = "".join(element.itertext())
            if lang and spoken.startswith(MENUS.prompt("language_offer", lang).split("{")[0]):
                order.append(lang)
    return order


@pytest.mark.parametrize(("caller", "first"), [
    ("+48601234567", ["pl", "nl", "en"]),
    ("+40712345678", ["ro", "nl", "en"]),
    ("+31612345678", ["nl", "en"]),
    ("+4915112345678", ["nl", "en"]),  # Germany: no likely language
    ("anonymous", ["nl", "en"]),  # a withheld number
])
def test_the_likely_language_is_offered_first_then_dutch_then_english(twilio, caller, first):
    order = offered(twilio.post("/voice", From=caller))
    assert order[:len(first)] == first
    assert sorted(order) == sorted(MENUS.languages)  # every language, once
    rest = [code for code in MENUS.languages if code not in first]
    assert order[len(first):] == rest


def test_the_greeting_comes_in_the_likely_language_too(twilio):
    answer = twilio.post("/voice", From="+48601234567")
    assert MENUS.prompt("greeting", "pl").split("{")[0] in answer.spoken()
    assert MENUS.prompt("greeting", "nl").split("{")[0] in answer.spoken()


@pytest.mark.parametrize("lang", [c for c, lang in MENUS.languages.items() if len(lang.key) == 2])
def test_nine_then_a_digit_chooses_a_second_page_language(twilio, lang):
    key = MENUS.languages[lang].key
    second = twilio.follow(twilio.post("/voice"), "9")
    assert second.first("Gather").get("action") == "/voice/language?miss=0&page=2"
    chosen = twilio.follow(second, key[1])
    assert chosen.first("Gather").get("action") == f"/voice/{lang}/main/input?miss=0"
    # Digits that arrive together ("91") work the same.
    together = twilio.post("/voice/language?miss=0", Digits=key)
    assert together.first("Gather").get("action") == f"/voice/{lang}/main/input?miss=0"


def second_page_languages() -> list[str]:
    return [code for code, lang in MENUS.languages.items() if len(lang.key) == 2]


def test_a_wrong_digit_on_the_second_page_asks_again_in_that_page_s_languages(twilio):
    answer = twilio.post("/voice/language?miss=0&page=2", Digits="9")  # no language's key
    assert answer.first("Gather").get("action") == "/voice/language?miss=1&page=2"
    said = answer.all("Say")
    for lang in second_page_languages():  # the page's own languages, not only nl and en
        voice_of = MENUS.languages[lang].voice
        assert any(s.get("voice") == voice_of and "".join(s.itertext()) == MENUS.prompt(
            "invalid_key", lang) for s in said), lang
    assert offered(answer) == second_page_languages()  # then the page again


def test_silence_on_the_second_page_gives_the_numbers_in_the_greeting_languages(twilio):
    """No language chosen yet: the numbers once in the greeting's languages, then the
    offer of one key, as on the first page."""
    answer = twilio.post("/voice/language?miss=0&page=2")
    assert answer.first("Dial") is None and answer.first("Redirect") is None
    assert answer.first("Gather").get("action").endswith("/connect")
    spoken = answer.spoken()
    greeting = voice.greeting_order(MENUS, "NL")
    for lang in MENUS.languages:
        text = MENUS.prompt("too_many_misses", lang).split("{")[0]
        assert (text in spoken) == (lang in greeting), lang
    assert answer.times_spoken(MENUS.contacts["police"]) == len(greeting)


@pytest.mark.parametrize("lang", [
    c for c, lang in MENUS.languages.items()
    if len(lang.key) == 1 and f"9{lang.key}" not in {x.key for x in MENUS.languages.values()}])
def test_a_first_page_key_still_chooses_its_language_on_the_second_page(twilio, lang):
    """The keys the second page does not use for its own languages."""
    answer = twilio.post("/voice/language?miss=0&page=2", Digits=MENUS.languages[lang].key)
    main = MENUS.settings.main_node
    assert answer.first("Gather").get("action") == f"/voice/{lang}/{main}/input?miss=0"


@pytest.mark.parametrize("key", ["*", "0"])
def test_star_and_zero_on_the_second_page_go_back_to_the_first(twilio, key):
    answer = twilio.post("/voice/language?miss=1&page=2", Digits=key)
    assert answer.first("Gather").get("action") == "/voice/language?miss=0"
    assert offered(answer) == offered(twilio.post("/voice"))  # the first page's offers
    assert answer.first("Dial") is None


@pytest.mark.parametrize("page", ["", "&page=2"])
def test_hash_on_either_language_page_gives_a_person_in_the_likely_language(twilio, page):
    answer = twilio.post(f"/voice/language?miss=0{page}", Digits="#", From="+48601234567")
    contacts = MENUS.settings.other_contacts_node
    assert answer.first("Gather").get("action") == f"/voice/pl/{contacts}/input?miss=0"


def test_a_language_key_given_twice_is_refused(tmp_path):
    """Each language has a key of its own (a key that is neither one digit nor 9 and a
    digit: tests/fixtures/broken/language_key_two_digits.yaml)."""
    source = MENUS_PATH.read_text()
    english = '    voice: Polly.Amy\n    key: "2"\n'
    assert source.count(english) == 1
    path = tmp_path / "menus.yaml"
    path.write_text(source.replace(english, '    voice: Polly.Amy\n    key: "1"\n'))
    menus, problems = check_file(path)
    assert menus is None
    assert [str(p) for p in problems if p.severity == ERROR] == [
        "menus.yaml: language 'en': field 'key': '1' already chooses language 'nl'"]


# -- recordings ------------------------------------------------------------------------


def test_every_ukrainian_prompt_is_a_fresh_recording():
    manifest = read_manifest(ROOT / "audio")
    for uid, utterance in every(MENUS, "uk").items():
        assert manifest["uk"][uid]["text"] == text_hash(MENUS, "uk", utterance), uid
        assert manifest["uk"][uid]["synthetic"] is True  # placeholders until a person records
        with wave.open(str(ROOT / "audio" / "uk" / f"{uid}.wav")) as recording:
            assert (recording.getframerate(), recording.getnchannels()) == (8000, 1)


def test_no_recording_is_left_over_from_a_removed_prompt():
    on_disk = {p.stem for p in (ROOT / "audio" / "uk").glob("*.wav")}
    assert on_disk == set(every(MENUS, "uk"))


@pytest.fixture
def audio_copy(tmp_path):
    """menus.yaml with a copy of audio/, to add, change or remove recordings."""
    shutil.copy(MENUS_PATH, tmp_path / "menus.yaml")
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    return tmp_path


def _record(folder, lang: str, uid: str, digest: str, frames: int = 800) -> None:
    with wave.open(str(folder / "audio" / lang / f"{uid}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * frames)
    manifest = read_manifest(folder / "audio")
    manifest.setdefault(lang, {})[uid] = {"text": digest, "synthetic": False}
    (folder / "audio" / "manifest.json").write_text(json.dumps(manifest))


def test_a_recording_replaces_text_to_speech(audio_copy):
    (audio_copy / "audio" / "nl").mkdir()
    utterance = every(MENUS, "nl")["node.signals"]
    _record(audio_copy, "nl", "node.signals", text_hash(MENUS, "nl", utterance))
    app = create_app({"MENUS_PATH": str(audio_copy / "menus.yaml"), "TWILIO_AUTH_TOKEN": TOKEN})
    answer = Twilio(app.test_client()).post("/voice/nl/signals")
    play = answer.one("Gather")[0]
    assert play.tag == "Play" and play.text
    assert re.fullmatch(r"/audio/nl/node\.signals\.wav\?v=[0-9a-f]{12}", play.text)
    # Served with the right type and caching, and fetched by Twilio without a signature.
    served = app.test_client().get(play.text)
    assert served.status_code == 200
    assert served.mimetype == "audio/wav"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["ETag"] == f'"{play.text.split("=")[1]}"'
    # A new recording is a new URL, so no cache can keep playing the old one.
    _record(audio_copy, "nl", "node.signals", text_hash(MENUS, "nl", utterance), frames=1600)
    app = create_app({"MENUS_PATH": str(audio_copy / "menus.yaml"), "TWILIO_AUTH_TOKEN": TOKEN})
    again = Twilio(app.test_client()).post("/voice/nl/signals").one("Gather")[0].text or ""
    assert again.split("?")[0] == play.text.split("?")[0] and again != play.text


@pytest.mark.slow  # a whole line checked again
def test_a_stale_recording_is_reported_and_the_voice_says_the_new_text(audio_copy):
    (audio_copy / "audio" / "nl").mkdir()
    _record(audio_copy, "nl", "node.signals", "0123456789abcdef")  # made from another text
    menus, problems = check_file(audio_copy / "menus.yaml")
    assert menus is not None
    assert ("menus.yaml: language 'nl' recording 'node.signals': warning: stale: its text "
            "changed since it was recorded; record it again, or run flask audio render "
            "--lang nl") in [str(p) for p in problems]
    answer = str(voice.show_node(menus, "nl", "signals", voice.Call()).twiml)
    assert "node.signals.wav" not in answer


@pytest.mark.slow  # a whole line checked again
def test_a_stale_recording_still_plays_where_there_is_no_voice(audio_copy):
    _record(audio_copy, "uk", "node.signals", "0123456789abcdef")
    menus, _ = load_menus(audio_copy / "menus.yaml")
    assert "/audio/uk/node.signals.wav?v=" in str(voice.show_node(menus, "uk", "signals",
                                                                  voice.Call()).twiml)


@pytest.mark.slow  # a whole line checked again
def test_a_stale_take_never_offers_an_old_key_where_there_is_no_voice(audio_copy):
    """Ukrainian moved from 7 to 8, Russian to 7: the take "for Ukrainian, press 7" would
    send a Ukrainian caller to Russian, so it counts as missing, as an old number does."""
    path = audio_copy / "menus.yaml"
    text = path.read_text(encoding="utf-8")
    for code, old, new in (("uk", "7", "8"), ("ru", "8", "7")):
        found = re.search(rf'- code: {code}\n(    .*\n)*?    key: "{old}"\n', text)
        assert found, code
        text = text.replace(found.group(0), found.group(0).replace(f'"{old}"', f'"{new}"'))
    path.write_text(text, encoding="utf-8")
    _, problems = check_file(path)
    assert ("menus.yaml: language 'uk': Twilio has no voice for it, and 1 prompt(s) have no "
            "recording of their current text, such as 'prompt.language_offer'; record them, "
            "or run flask audio render --lang uk") in [str(p) for p in problems]
    menus, _ = load_menus(path)
    assert "uk" not in menus.languages and menus.languages["ru"].key == "7"


@pytest.mark.parametrize("uid", ["node.signals", "node.report"])
@pytest.mark.slow
def test_a_language_without_voice_or_recordings_is_not_offered_but_the_line_starts(
        audio_copy, uid):
    if uid == "node.report":  # a stale recording of a text with a number counts as missing
        _record(audio_copy, "uk", uid, "0123456789abcdef")
    else:  # a recording that is not there
        (audio_copy / "audio" / "uk" / f"{uid}.wav").unlink()
    _, problems = check_file(audio_copy / "menus.yaml")
    assert ("menus.yaml: language 'uk': Twilio has no voice for it, and 1 prompt(s) have no "
            f"recording of their current text, such as '{uid}'; record them, or run "
            "flask audio render --lang uk") in [str(p) for p in problems]
    menus, warnings = load_menus(audio_copy / "menus.yaml")
    assert "uk" not in menus.languages
    assert ("menus.yaml: language 'uk': warning: is not offered: 1 problem(s); run flask menus "
            "check") in [str(p) for p in warnings]


@pytest.mark.slow  # a whole line checked again
def test_a_language_missing_one_prompt_is_named_and_not_offered(tmp_path):
    source = MENUS_PATH.read_text()
    start = source.index("  dial_retry:")
    following = re.search(r"\n  (?! )", source[start:])
    assert following is not None
    end = start + following.start() + 1  # the next prompt
    block = source[start:end]
    pl_line = next(line for line in block.splitlines() if line.startswith("    pl:"))
    path = tmp_path / "menus.yaml"
    path.write_text(source[:start] + block.replace(pl_line + "\n", "", 1).replace(
        pl_line, "") + source[end:])
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    _, problems = check_file(path)
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors[0].startswith("menus.yaml: prompt 'dial_retry' field 'dial_retry': missing "
                                "translation for 'pl'")
    menus, _ = load_menus(path)
    assert "pl" not in menus.languages and "ro" in menus.languages


@pytest.mark.parametrize("path", ["/audio/uk/../manifest.json", "/audio/uk/..%2Fmanifest.json",
                                  "/audio/../app.py", "/audio/uk/node.signals.mp3",
                                  "/audio/xx/node.signals.wav", "/audio/uk/%2e%2e/menus.yaml",
                                  "/audio/uk/missing.wav", "/audio/uk/..wav",
                                  "/audio/uk/...wav", "/audio/uk/.manifest.wav"])
def test_nothing_outside_audio_can_be_fetched(app, path):
    assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize("name", ["..wav", "../../app.py", "..%2f..%2fapp.wav", "/etc/passwd",
                                  "node.signals.wav/../../../app.py"])
def test_the_audio_view_itself_refuses_traversal(app, name):
    from werkzeug.exceptions import NotFound

    from ivr.web.audio_views import recording

    with app.test_request_context(), pytest.raises(NotFound):
        recording("uk", name)


def without_signals_text(tmp_path, lang: str):
    """menus.yaml (and its recordings) without one language's text of node 'signals'."""
    source = MENUS_PATH.read_text()
    start = source.index(f"      {lang}: >-\n", source.index("\n  signals:\n"))
    end = source.index("\n      ", start + 1)
    while source[end + 7:end + 9] not in MENUS.languages:  # the next language's entry
        end = source.index("\n      ", end + 1)
    path = tmp_path / "menus.yaml"
    path.write_text(source[:start] + source[end + 1:])
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    return path


@pytest.mark.slow  # a whole line checked again
def test_an_incomplete_english_is_left_out_of_the_greeting_too(tmp_path):
    menus, warnings = load_menus(without_signals_text(tmp_path, "en"))
    assert "en" not in menus.languages
    assert menus.settings.greeting_languages == ("nl",)
    assert "menus.yaml: language 'en': warning: is not offered: 1 problem(s); run flask menus " \
        "check" in [str(p) for p in warnings]


def test_an_incomplete_dutch_stops_the_line_with_its_own_problem(tmp_path):
    with pytest.raises(MenuError) as failed:
        load_menus(without_signals_text(tmp_path, "nl"))
    assert "node 'signals' field 'say': missing translation for 'nl'" in str(failed.value)


def test_audio_base_url_sends_twilio_to_a_cdn():
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                      "AUDIO_BASE_URL": "https://cdn.example.org/line-audio"})
    answer = Twilio(app.test_client()).post("/voice/uk/main")
    assert (answer.one("Play").text or "").startswith("https://cdn.example.org/line-audio/uk/")


@pytest.mark.slow
def test_render_makes_missing_and_stale_recordings_and_keeps_the_rest(audio_copy, monkeypatch):
    import ivr.tools.cli

    made = []

    def fake_engine(lang, text, target):
        made.append(target.stem)
        _silence(target)

    monkeypatch.setattr(ivr.tools.cli, "espeak_ng", fake_engine)
    (audio_copy / "audio" / "uk" / "node.signals.wav").unlink()
    app = create_app({"MENUS_PATH": str(audio_copy / "menus.yaml")})
    result = app.test_cli_runner().invoke(args=["audio", "render", "--lang", "uk"])
    assert result.exit_code == 0, result.output
    assert made == ["node.signals"]
    # A language with a Twilio voice is not replaced by espeak-ng unless asked.
    refused = app.test_cli_runner().invoke(args=["audio", "render", "--lang", "nl"])
    assert refused.exit_code != 0 and "has a Twilio voice" in refused.output
    assert "uk: 1 recording(s) made, " in result.output
    # Change the text: the recording is stale and is made again.
    changed = (audio_copy / "menus.yaml").read_text().replace(
        MENUS.nodes["signals"].say["uk"][:40], "Змінений текст. " + MENUS.nodes["signals"].say[
            "uk"][:40], 1)
    (audio_copy / "menus.yaml").write_text(changed)
    made.clear()
    app = create_app({"MENUS_PATH": str(audio_copy / "menus.yaml")})
    assert app.test_cli_runner().invoke(args=["audio", "render", "--lang", "uk"]).exit_code == 0
    assert made == ["node.signals"]


def _silence(target) -> None:
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 80)


# -- SMS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sender", "langs"), [
    ("+48601234567", ("pl", "nl")), ("+380501234567", ("uk", "nl")),
    ("+4915112345678", ("nl", "en")), (CALLER, ("nl", "en")),
    ("whatsapp:+40712345678", ("ro", "nl"))])
def test_a_first_text_gets_the_index_in_the_likely_language_and_dutch(twilio, sender, langs):
    answer = twilio.post("/sms", Body="?", From=sender)
    whole = sender.startswith("whatsapp:")
    assert answer.first("Message").text == index_pages(MENUS, langs, whole=whole)[0]


def test_a_long_index_is_read_in_pages(twilio):
    pages = index_pages(MENUS, ("uk", "nl"))
    assert len(pages) > 1
    received = [twilio.post("/sms", Body="?", From="+380501234567").first("Message").text]
    more = MENUS.sms.more["uk"][0]
    for _ in pages[1:]:
        received.append(twilio.post("/sms", Body=more, From="+380501234567")
                        .first("Message").text)
    assert received == pages


@pytest.mark.parametrize(("body", "lang", "node_id"), [
    ("pomosh", "ru", "help"), ("ПОМОЩЬ", "ru", "help"), ("policja", "pl", "call_police"),
    ("zglos", "pl", "report"), ("politia", "ro", "call_police"), ("POLIȚIA", "ro", "call_police"),
    ("ajutor", "ro", "help"), ("ayuda", "es", "help"), ("aide", "fr", "help")])
def test_keywords_in_other_scripts_and_without_diacritics(twilio, body, lang, node_id):
    from sms.replies import pages

    assert twilio.post("/sms", Body=body, From="+4915112345678").first(
        "Message").text == pages(MENUS, node_id, lang)[0]
