"""`make bench`: the line against two reference apps, under the Procfile's gunicorn, with
signed Twilio-shaped POSTs from wrk, then the instructions a request executes under
valgrind (bench/instructions.py); writes docs/benchmarks.md. Loopback only, bounded in
time, and it stops every server it started. A benchmark, not a test: it never fails on
the machine's speed.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import runpy
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import install, instructions
from bench.requests import CALL, ROUTES, found
from bench.servers import GUNICORN, free_port, wait_for
from ivr.lines import check_file
from ivr.tools.audio import espeak_ng, render
from ivr.voice.speech import plain, text_hash
from ivr.voice.utterances import every
from ivr.web.signature import sign

ROOT = Path(__file__).resolve().parent.parent
TOKEN = secrets.token_hex(16)
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
# Each route is measured this many times for each app, the apps taking turns; the median
# counts. One run on a 2-core machine shared with wrk swings by 10-20%, a median of three
# much less.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = (4, 32)



# The reference apps run on plain gunicorn: its default sync workers, as many
# as the line's, none of the line's settings. An empty config file, because gunicorn
# reads ./gunicorn.conf.py by itself otherwise.
PLAIN = ("--config", str(Path(tempfile.gettempdir()) / "bench-plain-gunicorn.conf.py"))


def start(target: str, env: dict, plain: bool = False) -> tuple[subprocess.Popen, str]:
    port = free_port()
    if plain:
        Path(PLAIN[1]).write_text("# plain gunicorn: its defaults\n", encoding="utf-8")
        workers = str(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"])
        settings = [*PLAIN, "--workers", workers]
    else:
        settings = ["--config", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
    command = [str(GUNICORN), *settings,
               "--bind", f"127.0.0.1:{port}", target]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(base), target, 30)
    return server, base


def _answers(base: str) -> bool:
    with contextlib.suppress(urllib.error.HTTPError):  # the reference apps answer, not 200
        urllib.request.urlopen(base + "/healthz", timeout=1)
    return True


def lua(base: str, path: str, params: dict) -> Path:
    """A wrk script posting one signed, Twilio-shaped form."""
    form = {**CALL, **params} if path.startswith("/voice") else {
        **{k: v for k, v in CALL.items() if k in ("AccountSid", "From", "To")}, **params}
    signature = sign(TOKEN, base + path, form)
    body = urllib.parse.urlencode(form)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.path = "{path}"\nwrk.body = "{body}"\n'
                     'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                     f'wrk.headers["X-Twilio-Signature"] = "{signature}"\n')
    return Path(script.name)


def wrk(base: str, path: str, params: dict, connections: int) -> dict:
    script = lua(base, path, params)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency",
                          "-s", str(script), base], capture_output=True, text=True,
                         timeout=SECONDS + 30).stdout
    script.unlink()
    rps = float(found(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def median(runs: list[dict]) -> dict:
    """Each figure's median over the rounds."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def ratio(runs: dict[str, list[dict]], app: str, reference: str) -> float:
    """app's throughput over reference's: the median of the rounds' own ratios, each from
    runs seconds apart, so that the machine's drift between rounds cancels out."""
    pairs = zip(runs[app], runs[reference], strict=True)
    return statistics.median(a["rps"] / r["rps"] for a, r in pairs)


def _ms(out: str, percentile: str) -> float:
    value, unit = found(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def rss_mb(server: subprocess.Popen) -> float:
    """The resident memory of the (first) worker: a child of the gunicorn master."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    return int(found(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def startup_seconds(env: dict) -> float:
    """Import plus loading and validating menus.yaml: the median of three fresh starts."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import app; app.create_app()"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def grow(target: Path, audio: Path) -> None:
    """menus.yaml ten times larger: nine copies of every node, reached through a free key
    of the main menu and of each copy of it; the same languages, the same recordings."""
    import copy
    import json

    import yaml


    raw = yaml.safe_load((ROOT / "menus.yaml").read_text(encoding="utf-8"))
    nodes = raw["nodes"]
    # A copy of the contacts would be reached by no key (the global key leads to the one
    # of settings), which the validator refuses.
    skip = {raw["settings"]["other_contacts_node"]}
    free = next(key for key in "987654321" if key not in nodes["main"]["options"]
                and key not in {str(g["key"]) for g in raw["settings"]["global_keys"]})
    extra = {}
    for k in range(1, 10):
        for node_id, node in nodes.items():
            if node_id in skip:
                continue
            twin = copy.deepcopy(node)
            if "options" in twin:
                twin["options"] = {key: f"{t}_{k}" for key, t in twin["options"].items()}
            if "back" in twin:
                twin["back"] = f"{twin['back']}_{k}"
            extra[f"{node_id}_{k}"] = twin
    nodes["main"]["options"][free] = "main_1"
    for k in range(1, 9):
        extra[f"main_{k}"]["options"][free] = f"main_{k + 1}"
    nodes.update(extra)
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # The copies say what the originals say: their recordings are the originals'.
    shutil.copytree(ROOT / "audio", audio)
    manifest = json.loads((audio / "manifest.json").read_text(encoding="utf-8"))
    menus, _ = check_file(target, audio, recordings=False)
    assert menus is not None, f"{target}: the grown file does not load"
    by_text = {entry["text"]: uid for uid, entry in manifest["uk"].items()}
    for uid, utterance in every(menus, "uk").items():
        digest = text_hash(menus, "uk", utterance)
        if uid not in manifest["uk"] and digest in by_text:
            shutil.copy(audio / "uk" / f"{by_text[digest]}.wav", audio / "uk" / f"{uid}.wav")
            manifest["uk"][uid] = {"text": digest, "synthetic": True}
    (audio / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # What is new (the copies' key 9) is made with espeak-ng, where it is installed.
    if shutil.which("espeak-ng") and shutil.which("sox"):

        wanted = {uid: (plain(menus, "uk", u), text_hash(menus, "uk", u))
                  for uid, u in every(menus, "uk").items()}
        render(audio, "uk", wanted, espeak_ng, "espeak-ng")


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (make bench does it)")
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": secrets.token_hex(32),
           "LOG_LEVEL": "INFO"}  # as in production: one JSON log line a request
    env.pop("PUBLIC_BASE_URL", None)
    servers = []
    try:
        line, line_url = start("app:create_app()", env)
        floor, floor_url = start("bench.reference:floor", env, plain=True)
        secure, secure_url = start("bench.reference:secure", env, plain=True)
        # The line without its JSON line a request (LOG_LEVEL=WARNING): what that costs.
        quiet, quiet_url = start("app:create_app()", {**env, "LOG_LEVEL": "WARNING"})
        # The line on the threads it ran on before gevent (gthread, 2 threads a worker),
        # which slow clients stop: what the defence against them costs.
        threads, threads_url = start("app:create_app()",
                                     {**env, "GUNICORN_WORKER_CLASS": "gthread"})
        servers += [line, floor, secure, quiet, threads]
        results = {}
        for connections in CONCURRENCY:
            apps = [("floor", floor_url), ("line", line_url), ("secure", secure_url)]
            if connections == 4:
                apps.insert(2, ("quiet", quiet_url))
            else:
                apps.insert(2, ("gthread", threads_url))
            for name, (path, params) in ROUTES.items():
                # Alternating, so that machine drift hits them all alike.
                runs: dict[str, list[dict]] = {app: [] for app, _ in apps}
                for _ in range(ROUNDS):
                    for app, url in apps:
                        runs[app].append(wrk(url, path, params, connections))
                results[connections, name] = {app: median(r) for app, r in runs.items()}
                # The ratios the report shows: the line (and the quiet line) over references.
                results[connections, name]["ratios"] = {
                    (app, ref): ratio(runs, app, ref) for app, ref in
                    (("line", "floor"), ("line", "secure"), ("quiet", "secure"),
                     ("line", "gthread")) if app in runs and ref in runs}
                print(f"{connections:>2} {name:<14} {results[connections, name]}", flush=True)
        shipped = {"startup": startup_seconds(env), "rss": rss_mb(line),
                   "menu key": results[4, "menu key"]["line"]}
        with tempfile.TemporaryDirectory() as tmp:
            big = Path(tmp) / "menus.yaml"
            grow(big, Path(tmp) / "audio")
            big_env = {**env, "MENUS_PATH": str(big), "AUDIO_DIR": str(Path(tmp) / "audio")}
            grown, grown_url = start("app:create_app()", big_env)
            servers.append(grown)
            path, params = ROUTES["menu key"]
            again, grown_runs = [], []
            for _ in range(ROUNDS):
                again.append(wrk(line_url, path, params, 4))
                grown_runs.append(wrk(grown_url, path, params, 4))
            large = {"startup": startup_seconds(big_env), "rss": rss_mb(grown),
                     "menu key": median(grown_runs), "again": median(again),
                     "nodes": len(__import__("yaml").safe_load(big.read_text())["nodes"])}
        # Instructions a request, which do not swing from run to run as wrk's figures do.
        counted = instructions.measure() if shutil.which("valgrind") else None
        report(results, shipped, large, counted)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def report(results: dict, shipped: dict, large: dict, counted: dict | None) -> None:

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    lines = ["# Benchmarks", "",
             "Written by `make bench` (bench/run.py); do not edit by hand. Each figure is the "
             f"median of {ROUNDS} {SECONDS}-second wrk runs of signed, Twilio-shaped POSTs on "
             "127.0.0.1, the line and the two reference apps taking turns run by run; each "
             "ratio is the median of the rounds' own ratios. The line logs at INFO, as in "
             "production: one JSON line a request. At 4 connections the line also runs "
             "*without its log line* (LOG_LEVEL=WARNING), to show what that line costs.", "",
             f"- Machine: {os.cpu_count()} cores, {platform.machine()}, Python "
             f"{platform.python_version()}, {platform.system()}",
             f"- gunicorn as in the Procfile: {conf['workers']} {conf['worker_class']} "
             f"worker(s), {conf['worker_connections']} connections each, preloaded; wrk "
             "with 2 threads on the same machine",
             f"- The reference apps on plain gunicorn: {conf['workers']} sync workers, "
             "gunicorn's defaults otherwise",
             f"- Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             "The *floor* answers a constant TwiML document without reading the request; the "
             "*secure minimum* reads the form and checks the signature with twilio's "
             "RequestValidator first. The gap to the secure minimum is the line's own cost.", "",
             "Why these gunicorn settings (gunicorn.conf.py): a webhook is a fraction of a "
             "millisecond of Python, and one process uses one core (Python's GIL): two "
             "workers use both cores, about twice the requests a second and a much shorter "
             "tail. Each is a gevent worker, so that connections trickling "
             "headers or a body, or sitting idle, hold a greenlet each and no thread a "
             "webhook needs; bench/slowclients.py measures that. The caps on numbers by text "
             "are counted exactly in a store all workers share (an SQLite file, or Redis).", "",
             "wrk runs on the same cores as the servers and takes its share of them: the "
             "floor's p99 is about the least any app shows here. The SMS route also signs "
             "and sets the conversation's cookie when its state changes, which the secure "
             "minimum does not do.", "",
             "What the defence against slow clients costs: at 32 connections the line also "
             "runs on gthread workers with 2 threads each, as before gevent, which four "
             "connections trickling headers stop (bench/slowclients.py).", ""]
    met = []
    for connections in CONCURRENCY:
        quiet = connections == 4
        lines += [f"## {connections} concurrent connections", "",
                  "| route | line req/s | p50 ms | p99 ms | floor req/s | secure req/s | "
                  "line / floor | line / secure | secure p99 ms |"
                  + (" without log line / secure |" if quiet else
                     " gthread req/s | gthread p99 ms | line / gthread |"),
                  "|---|---|---|---|---|---|---|---|---|" + ("---|" if quiet else "---|" * 3)]
        for name in ROUTES:
            r = results[connections, name]
            ratio_floor = r["ratios"]["line", "floor"]
            ratio_secure = r["ratios"]["line", "secure"]
            lines.append(f"| {name} | {r['line']['rps']:.0f} | {r['line']['p50']:.2f} | "
                         f"{r['line']['p99']:.2f} | {r['floor']['rps']:.0f} | "
                         f"{r['secure']['rps']:.0f} | {ratio_floor:.0%} | {ratio_secure:.0%} | "
                         f"{r['secure']['p99']:.2f} |"
                         + (f" {r['ratios']['quiet', 'secure']:.0%} |" if quiet else
                            f" {r['gthread']['rps']:.0f} | {r['gthread']['p99']:.2f} | "
                            f"{r['ratios']['line', 'gthread']:.0%} |"))
            met.append((f"{name}, {connections} connections: at least 85% of the secure "
                        "minimum's throughput", ratio_secure >= 0.85, f"{ratio_secure:.0%}"))
            if connections == 4:
                met.append((f"{name}: p99 under 10 ms at 4 connections", r["line"]["p99"] < 10,
                            f"{r['line']['p99']:.2f} ms"))
            else:
                limit = 2 * r["secure"]["p99"]
                met.append((f"{name}: p99 at most 2x the secure minimum's at 32",
                            r["line"]["p99"] <= limit,
                            f"{r['line']['p99']:.2f} ms against {limit:.2f} ms"))
        lines.append("")
    met.append(("start-up under 1 s with all languages", shipped["startup"] < 1,
                f"{shipped['startup']:.2f} s"))
    met.append(("under 80 MB resident memory per worker", shipped["rss"] < 80,
                f"{shipped['rss']:.0f} MB"))
    if counted is not None:
        for route, counts in counted.items():
            most = 1.30 if route.startswith("sms") else 1.15
            share = counts["line"] / counts["secure"]
            met.append((f"{route}: at most {most:.2f}x the secure minimum's instructions",
                        share <= most, f"{share:.3f}x"))
    lines += ["## Instructions a request", ""]
    if counted is None:
        lines += ["Not measured: valgrind is not installed (`make bench` installs it).", ""]
    else:
        lines += ["What one request executes, in millions of CPU instructions, counted by "
                  "valgrind's callgrind in-process (bench/instructions.py; also `make "
                  "bench-instructions`). Unlike requests a second, these do not change from "
                  "run to run or machine to machine, so they show what a change did. "
                  "Throughput follows them, less the fixed cost of gunicorn and the sockets "
                  "that every app pays alike.", ""]
        lines += [*instructions.table(counted), ""]
    lines += ["## Targets", "", "| target | met | measured |", "|---|---|---|"]
    lines += [f"| {what} | {'yes' if ok else '**no**'} | {figure} |" for what, ok, figure in met]
    small, big = shipped["menu key"], large["menu key"]
    lines += ["", "## Growth with the content", "",
              "The same key in the main menu, at 4 connections, with `menus.yaml` as shipped "
              f"and with a generated file ten times larger ({large['nodes']} nodes, the same "
              "eleven languages and recordings).", "",
              "| menus.yaml | start-up s | worker MB | req/s | p50 ms | p99 ms |",
              "|---|---|---|---|---|---|",
              f"| as shipped | {shipped['startup']:.2f} | {shipped['rss']:.0f} | "
              f"{small['rps']:.0f} | {small['p50']:.2f} | {small['p99']:.2f} |",
              f"| as shipped, measured again beside the large one | | | "
              f"{large['again']['rps']:.0f} | {large['again']['p50']:.2f} | "
              f"{large['again']['p99']:.2f} |",
              f"| ten times larger | {large['startup']:.2f} | {large['rss']:.0f} | "
              f"{big['rps']:.0f} | {big['p50']:.2f} | {big['p99']:.2f} |", ""]
    slowest = min(results[32, name]["line"]["rps"] for name in ROUTES if name != "sms keyword")
    lines += ["## Capacity on paper", "",
              f"The slowest voice route answers about {slowest:.0f} requests a second at 32 "
              "connections on this machine. A call makes about one webhook request every 15 "
              f"seconds (a menu is heard, then a key is pressed), so one such machine serves "
              f"about {slowest * 15:.0f} calls at the same time, before Twilio's 15-second "
              "limit is anywhere near.", "",
              "Past one machine: every webhook is stateless (the state of a call is in its URLs, "
              "of a text conversation in Twilio's cookie), so more dynos or instances behind "
              "the platform's router add capacity in proportion, with no sticky sessions. The "
              "only shared state is the rate limiter of numbers by text, in Redis "
              "(`RATELIMIT_STORAGE_URI`). The next ceiling is Twilio's own: the account's "
              "concurrent-call and messages-per-second limits.", ""]
    lines.append(install.kept())  # measured by bench/install.py, not here
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines), encoding="utf-8")
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
