"""`flask menus check [FILE]`: the start-up validation, as a command for editors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from sms.replies import sms_fallback
from sms.segments import count

from .audio import espeak_ng, render
from .check import main as check_main
from .flowmap import dot, mermaid
from .loader import load_menus
from .problems import MenuError
from .simulate import SIMULATED_CALLER, NoTwiML, Phone, call, language_keys
from .speech import plain, text_hash
from .utterances import every
from .voice import E164_RE, fallback, fallback_connect

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
    when it has errors. Same as `python -m ivr.check`, which runs without the app."""
    audio = audio_dir or (None if file else str(current_app.config["AUDIO_DIR"]))
    ctx.invoke(check_main, file=file or current_app.config["MENUS_PATH"], audio_dir=audio,
               as_json=as_json, verbose=verbose)


@menus_cli.command("fallback")
@click.option("--connect-url", required=True,
              help="The URL of the second TwiML Bin (voice-connect.xml), which a key press "
                   "in the first fetches. Create that Bin first, then paste its URL here.")
@click.option("--line-number", default=None,
              help="The line's own number (E.164), as caller ID for the police forward. "
                   "Without it: {{To}}, which a TwiML Bin fills in.")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write voice-fallback.xml, voice-connect.xml and sms-fallback.xml here, "
                   "not to stdout.")
def menus_fallback(connect_url: str, line_number: str | None, output_dir: str | None) -> None:
    """TwiML for Twilio's fallback URLs, used when the app is down: for voice, 112 and the
    numbers in Dutch and English, then any key puts the caller through (a second
    document); silence says goodbye. For SMS, the index in Dutch and English with 112.
    Host each as a TwiML Bin (docs/operations.md)."""
    if line_number and not E164_RE.fullmatch(line_number):
        raise click.BadParameter("give the number in E.164 form, such as +31...",
                                 param_hint="--line-number")
    menus = current_app.extensions["menus"]
    documents = {
        "voice-fallback.xml": fallback(menus, connect_url).to_xml(),
        "voice-connect.xml": fallback_connect(menus, line_number).to_xml(),
        "sms-fallback.xml": sms_fallback(menus).to_xml(),
    }
    for name, text in documents.items():
        if output_dir:
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            (Path(output_dir) / name).write_text(text + "\n", encoding="utf-8")
            click.echo(f"wrote {Path(output_dir) / name}")
        else:
            click.echo(f"<!-- {name} -->\n{text}")


MAP_START, MAP_END = "<!-- map:start -->", "<!-- map:end -->"


@menus_cli.command("map")
@click.option("--lang", default=None, help="Language of the labels (default: Dutch).")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]),
              default="mermaid", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout.")
@click.option("--readme", is_flag=True, help="Update the map in README.md (in Dutch).")
def menus_map(lang: str | None, fmt: str, output: str | None, readme: bool) -> None:
    """The call flow: Mermaid (GitHub shows it in Markdown), DOT, or SVG via Graphviz."""
    menus = current_app.extensions["menus"]
    if readme and lang:
        raise click.BadParameter("the README's map is in the default language", "--lang")
    lang = lang or menus.settings.default_language
    if lang not in menus.languages:
        raise click.BadParameter(f"unknown language '{lang}'", param_hint="--lang")
    if readme:
        path = Path(current_app.root_path) / "README.md"
        path.write_text(with_map(path.read_text(encoding="utf-8"), mermaid(menus, lang)),
                        encoding="utf-8")
        click.echo(f"updated the map in {path}")
        return
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


def with_map(readme: str, chart: str) -> str:
    """The README with the Mermaid block between the map markers replaced."""
    start, end = readme.index(MAP_START), readme.index(MAP_END)
    block = f"{MAP_START}\n```mermaid\n{chart}```\n"
    return readme[:start] + block + readme[end:]


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
def call_command(lang: str | None, caller: str, keys: str | None,
                 dial_status: str | None) -> None:
    """A call in the terminal, through the real webhooks: what is said, which recording
    plays, and where the call goes. Without --keys, keys are read from the keyboard."""
    menus = current_app.extensions["menus"]
    if lang and lang not in menus.languages:
        raise click.BadParameter(f"unknown language '{lang}'", param_hint="--lang")
    first = language_keys(menus, lang) if lang else []
    pressed = [key.strip() for key in keys.split(",")] if keys is not None else None
    for key in pressed or []:
        if not _is_key(key):
            raise click.BadParameter(f"'{key}' is not a key: use one of 0-9, * or #, or "
                                     "nothing for a time-out", param_hint="--keys")
    try:
        call(current_app._get_current_object(), caller,  # type: ignore[attr-defined]
             _keys(first, pressed), click.echo, dial_status)
    except NoTwiML as exc:
        raise click.ClickException(f"{exc} (is PUBLIC_BASE_URL the URL this app is served "
                                   "at?)") from None


def _is_key(key: str) -> bool:
    return key == "" or (len(key) == 1 and key in "0123456789*#")


def _keys(first: list[str], pressed: list[str] | None):
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
def text_command(messages: tuple[str, ...], sender: str) -> None:
    """Text the line: each MESSAGE in turn, as one conversation (the cookie is kept)."""
    phone = Phone(current_app._get_current_object(), sender)  # type: ignore[attr-defined]
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
