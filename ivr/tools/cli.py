"""`flask menus check [FILE]`: the start-up validation, as a command for editors."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ivr.content import catalogue
from ivr.content.model import Menus
from ivr.content.problems import MenuError
from ivr.content.yamlfile import read_yaml
from ivr.lines import load_menus
from ivr.tools import recording, translations
from ivr.tools.audio import espeak_ng, render
from ivr.tools.check import main as check_main
from ivr.tools.flowmap import dot, mermaid
from ivr.voice.answers import E164_RE, fallback, fallback_connect
from ivr.voice.simulate import SIMULATED_CALLER, SIMULATED_LINE, language_keys
from ivr.voice.speech import plain, text_hash
from ivr.voice.utterances import every
from ivr.web.phone import NoTwiML, Phone, call
from ivr.web.state import line_state
from sms.replies import sms_fallback
from sms.segments import count

menus_cli = AppGroup("menus", help="Check the menus file.")


@menus_cli.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--audio-dir", type=click.Path(file_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True, help="The report as JSON, for machines.")
@click.option("--sms", "verbose", is_flag=True, help="List every SMS reply with its cost.")
@click.pass_context
def check(ctx: click.Context, file: str | None, audio_dir: str | None, as_json: bool,
          verbose: bool) -> None:
    """Validate FILE (default: the app's menus.yaml) and report on every language; exit 1
    when it has errors. Same as `python -m ivr.tools.check`, which runs without the app."""
    audio = audio_dir or (None if file else str(current_app.config["AUDIO_DIR"]))
    ctx.invoke(check_main, file=file or current_app.config["MENUS_PATH"], audio_dir=audio,
               as_json=as_json, verbose=verbose)


@menus_cli.command("fallback")
@click.option("--connect-url", default=None,
              help="The URL of the TwiML Bin holding voice-connect.xml, which a key press in "
                   "voice-fallback.xml fetches. Without it, only voice-connect.xml and "
                   "sms-fallback.xml are written: make that Bin, then run again with its URL.")
@click.option("--line-number", default=None,
              help="The line's own number (E.164), as caller ID for the police forward. "
                   "Without it: {{To}}, which a TwiML Bin fills in.")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write voice-fallback.xml, voice-connect.xml and sms-fallback.xml here, "
                   "not to stdout.")
def menus_fallback(connect_url: str | None, line_number: str | None,
                   output_dir: str | None) -> None:
    """TwiML for Twilio's fallback URLs, used when the app is down: for voice, 112 and the
    numbers in Dutch and English, then any key puts the caller through (a second
    document); silence says goodbye. For SMS, the index in Dutch and English with 112.
    Host each as a TwiML Bin (docs/operations.md)."""
    if line_number and not E164_RE.fullmatch(line_number):
        raise click.BadParameter("give the number in E.164 form, such as +31...",
                                 param_hint="--line-number")
    menus = line_state().menus
    documents = {
        "voice-connect.xml": fallback_connect(menus, line_number).to_xml(),
        "sms-fallback.xml": sms_fallback(menus).to_xml(),
    }
    if connect_url:
        documents["voice-fallback.xml"] = fallback(menus, connect_url).to_xml()
    for name, text in documents.items():
        if output_dir:
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            (Path(output_dir) / name).write_text(text + "\n", encoding="utf-8")
            click.echo(f"wrote {Path(output_dir) / name}")
        else:
            click.echo(f"<!-- {name} -->\n{text}")
    if not connect_url:
        click.echo("voice-fallback.xml needs --connect-url: the URL of the Bin holding "
                   "voice-connect.xml", err=True)


@menus_cli.command("map")
@click.option("--lang", default=None, help="Language of the labels (default: Dutch).")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]),
              default="mermaid", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout.")
def menus_map(lang: str | None, fmt: str, output: str | None) -> None:
    """The call flow: Mermaid (GitHub shows it in Markdown), DOT, or SVG via Graphviz. The
    README's map is made by make map (cog)."""
    menus = line_state().menus
    lang = lang or menus.settings.default_language
    if lang not in menus.languages:
        raise click.BadParameter(f"unknown language '{lang}'", param_hint="--lang")
    text = mermaid(menus, lang) if fmt == "mermaid" else dot(menus, lang)
    if fmt == "svg":
        if shutil.which("dot") is None:
            raise click.ClickException("Graphviz is not installed: apt-get install graphviz")
        text = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                              check=True).stdout
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.command("call")
@with_appcontext
@click.option("--lang", default=None, help="Choose this language first, e.g. nl or fr.")
@click.option("--from", "caller", default=SIMULATED_CALLER, show_default=True,
              help="The caller's number: its country orders the languages.")
@click.option("--keys", default=None,
              help="Keys to press, comma-separated: 1,2,* ; an empty one is a time-out.")
@click.option("--dial-status", type=click.Choice(["completed", "busy", "no-answer", "failed",
                                                   "canceled"]),
              default=None, help="How a forward ends, to hear what follows it.")
@click.option("--to", "line", default=SIMULATED_LINE, show_default=True,
              help="The line's number called; one with a language (LINE_NUMBERS) begins "
                   "in it.")
def call_command(lang: str | None, caller: str, keys: str | None,
                 dial_status: str | None, line: str) -> None:
    """A call in the terminal, through the real webhooks: what is said, which recording
    plays, and where the call goes. Without --keys, keys are read from the keyboard."""
    menus = line_state().menus
    if lang and lang not in menus.languages:
        raise click.BadParameter(f"unknown language '{lang}'", param_hint="--lang")
    begins_in = line_state().line_languages.get(line)
    if lang and begins_in:  # no choice of language to make: --lang's keys would go astray
        raise click.BadParameter(f"a call to {line} begins in '{begins_in}' (LINE_NUMBERS), "
                                 "without the choice of language: leave out --lang",
                                 param_hint="--lang")
    first = language_keys(menus, lang) if lang else []
    pressed = [key.strip() for key in keys.split(",")] if keys is not None else None
    for key in pressed or []:
        if not _is_key(key):
            raise click.BadParameter(f"'{key}' is not a key: use one of 0-9, * or #, or "
                                     "nothing for a time-out", param_hint="--keys")
    try:
        call(current_app._get_current_object(), caller,  # type: ignore[attr-defined]
             _keys(first, pressed), click.echo, dial_status, line=line)
    except NoTwiML as exc:
        raise click.ClickException(f"{exc} (is PUBLIC_BASE_URL the URL this app is served "
                                   "at?)") from None


def _is_key(key: str) -> bool:
    return key == "" or (len(key) == 1 and key in "0123456789*#")


def _keys(first: list[str], pressed: list[str] | None) -> Iterator[str | None]:
    yield from first
    if pressed is not None:
        yield from pressed
        return
    while True:
        try:
            key = click.prompt("key (0-9 * #; Enter: time-out; q: hang up)", default="",
                               show_default=False).strip()
        except click.Abort:
            return
        if key.lower() == "q":
            return
        if _is_key(key):
            yield key
        else:
            click.echo("  one key: 0-9, * or #")


@click.command("text")
@with_appcontext
@click.argument("messages", nargs=-1, required=True)
@click.option("--from", "sender", default=SIMULATED_CALLER, show_default=True,
              help="The sender's number: its country chooses the first reply's languages.")
@click.option("--to", "line", default=SIMULATED_LINE, show_default=True,
              help="The line's number texted; one with a language (LINE_NUMBERS) answers "
                   "in it.")
def text_command(messages: tuple[str, ...], sender: str, line: str) -> None:
    """Text the line: each MESSAGE in turn, as one conversation (the cookie is kept)."""
    phone = Phone(current_app._get_current_object(), sender, line)  # type: ignore[attr-defined]
    for message in messages:
        try:
            root = phone.post("/sms", Body=message)
        except NoTwiML as exc:
            raise click.ClickException(str(exc)) from None
        reply = root.findtext("Message")
        click.echo(f"> {message}")
        if reply is None:
            click.echo("(no reply: Twilio handles this word)")
            continue
        cost = count(reply)
        click.echo(reply)
        click.echo(f"({cost.encoding}, {len(reply)} characters, {cost.segments} segment(s))")


audio_cli = AppGroup("audio", help="Make and check recorded prompts.")


@audio_cli.command("render")
@click.option("--lang", "langs", multiple=True, required=True, help="Language code, e.g. uk.")
@click.option("--force", is_flag=True, help="Also for a language that has a Twilio voice.")
def render_audio(langs: tuple[str, ...], force: bool) -> None:
    """Make the missing and stale recordings of a language with espeak-ng, as synthetic
    placeholders until a person records them (needs: apt-get install espeak-ng sox)."""
    try:
        menus, _ = load_menus(current_app.config["MENUS_PATH"], current_app.config["AUDIO_DIR"],
                              recordings=False)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from None
    for lang in langs:
        if lang not in menus.languages:
            raise click.BadParameter(f"'{lang}' is not a complete language of the menus; "
                                     "see flask menus check", param_hint="--lang")
        if menus.languages[lang].voice and not force:
            raise click.BadParameter(f"'{lang}' has a Twilio voice, which speaks better than "
                                     "espeak-ng; use --force to record it anyway",
                                     param_hint="--lang")
        wanted = {uid: (plain(menus, lang, u), text_hash(menus, lang, u))
                  for uid, u in every(menus, lang).items()}
        made, kept = render(current_app.config["AUDIO_DIR"], lang, wanted, espeak_ng,
                            "espeak-ng")
        click.echo(f"{lang}: {len(made)} recording(s) made, {len(kept)} kept")


translations_cli = AppGroup("translations", help="PO files for translators and reviewers.")


@translations_cli.command("export")
@click.option("--lang", required=True, help="Language code, e.g. uk.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE (default: stdout).")
@click.option("--reviewer", default="",
              help="A reviewer's file, in this name: every text not yet reviewed is marked "
                   "fuzzy, and each the reviewer unmarks counts as reviewed on import.")
def export_translations(lang: str, output: str | None, reviewer: str) -> None:
    """A gettext PO file of every text of menus.yaml in LANG, for Poedit, Weblate or
    Crowdin: texts whose Dutch changed since they were translated are marked fuzzy."""
    menus = line_state().menus
    codes = _translatable(_menus_path())
    if lang not in codes:
        raise click.BadParameter(f"'{lang}' is not a language to translate into; use one of "
                                 f"{', '.join(codes)}", param_hint="--lang")
    po = translations.export(_menus_path(), menus, lang, reviewer.strip())
    if output:
        po.save(output)
        click.echo(f"wrote {output}: {len(po)} texts, {len(po.fuzzy_entries())} fuzzy, "
                   f"{len(po.untranslated_entries())} untranslated", err=True)
    else:
        click.echo(str(po))


@translations_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
def import_translations(file: str) -> None:
    """Write FILE's translations into menus.yaml (its language from the PO header), after
    validating the result; writes nothing when anything is wrong."""
    try:
        done = translations.import_po(_menus_path(), Path(current_app.config["AUDIO_DIR"]),
                                      Path(file))
    except translations.Refused as exc:
        raise click.ClickException(f"{file} not imported, menus.yaml untouched:\n  " +
                                   "\n  ".join(exc.problems)) from None
    who = "a reviewer's file" if done.reviewer else "a translator's file"
    click.echo(f"{done.lang} ({who}): {len(done.changed)} text(s) changed, "
               f"{len(done.reviewed)} newly reviewed, {len(done.skipped)} left as they were")
    for skipped in done.skipped:
        click.echo(f"  left: {skipped}")
    for path in done.wrote:
        click.echo(f"  wrote {path}")
    if done.changed:
        click.echo("Run make check; a changed text needs its recordings made again "
                   f"(flask --app app audio render --lang {done.lang}, or a person's).")


@translations_cli.command("baseline")
@click.option("--lang", "langs", multiple=True, help="Only these languages (default: all).")
@click.option("--force", is_flag=True, help="Overwrite what menus.sources.json says.")
def baseline_translations(langs: tuple[str, ...], force: bool) -> None:
    """Record every present translation as made from today's Dutch, not reviewed, in
    menus.sources.json: once, for texts translated before their sources were tracked."""
    path = _menus_path()
    lock = catalogue.read_lock(path)
    if lock is not None and not force:
        raise click.ClickException(f"{catalogue.lock_path(path)} exists: its sources would "
                                   "be lost; add --force to make it anew")
    codes = list(langs) or _translatable(path)
    raw, _ = read_yaml(path)
    dutch = str(raw["settings"]["default_language"])
    lock = catalogue.baseline(raw, codes, dutch, lock if force else None)
    catalogue.write_atomically(catalogue.lock_path(path), catalogue.dump_lock(lock))
    click.echo(f"wrote {catalogue.lock_path(path)} for {', '.join(codes)}")


def _menus_path() -> Path:
    return Path(current_app.config["MENUS_PATH"])


def _translatable(path: Path) -> list[str]:
    """Every language of the file but Dutch, complete or not (a new one is exported to be
    translated)."""
    raw, _ = read_yaml(path)
    dutch = str(raw["settings"]["default_language"])
    return [str(lang["code"]) for lang in raw["languages"] if str(lang["code"]) != dutch]


def _recording_menus(lang: str) -> Menus:
    """The menus with every language whose texts are complete, recordings or not (a
    language waiting for its recordings is one to record)."""
    try:
        menus, _ = load_menus(current_app.config["MENUS_PATH"], current_app.config["AUDIO_DIR"],
                              recordings=False)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from None
    if lang not in menus.languages:
        raise click.BadParameter(f"'{lang}' is not a complete language of the menus; see "
                                 "make check", param_hint="--lang")
    return menus


@audio_cli.command("script")
@click.option("--lang", required=True, help="Language code, e.g. uk.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "html"]), default="text",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE (default: stdout).")
@click.option("--all", "every_take", is_flag=True,
              help="Every take, also those a person has recorded from the current text.")
def audio_script(lang: str, fmt: str, output: str | None, every_take: bool) -> None:
    """A recording script for a voice actor: each take still to record (missing, stale or
    synthetic, and which), its text as spoken, the file name to save it under and the
    seconds the line's model expects, starting with the greeting and then menu by menu
    in the order of menus.yaml."""
    menus = _recording_menus(lang)
    why = recording.to_record(menus, lang, Path(current_app.config["AUDIO_DIR"]))
    lines = [line for line in recording.script(menus, lang, why) if every_take or line.why]
    if fmt == "csv":
        text = recording.as_csv(lines)
    elif fmt == "html":
        text = recording.as_html(lines, lang, menus.languages[lang].name)
    else:
        text = "".join(f"{line.file}  ({line.seconds:.0f} s){'  ' if line.why else ''}"
                       f"{line.why}\n    {line.text}\n\n" for line in lines)
    kinds = Counter(reason.split(":")[0] for reason in why.values())
    summary = (f"{len(why)} of {len(every(menus, lang))} takes to record" +
               "".join(f", {count} {kind}" for kind, count in sorted(kinds.items())))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}: {summary}", err=True)
    else:
        click.echo(text, nl=False)
        click.echo(f"{lang}: {summary}", err=True)


@audio_cli.command("import")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--lang", required=True, help="Language code, e.g. uk.")
def audio_import(folder: str, lang: str) -> None:
    """Take a voice actor's files from FOLDER (named as in the script; WAV, MP3 or M4A):
    trimmed, levelled, as 8 kHz mono WAV into the audio folder, marked "synthetic": false.
    Writes nothing when any file is wrong (needs: apt-get install ffmpeg)."""
    menus = _recording_menus(lang)
    try:
        done = recording.import_takes(menus, lang, Path(folder),
                                      Path(current_app.config["AUDIO_DIR"]))
    except recording.Refused as exc:
        raise click.ClickException("nothing imported:\n  " + "\n  ".join(exc.problems)) from None
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{lang}: {len(done)} recording(s) imported; run make check")
