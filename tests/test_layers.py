"""The code's layers, as the folders show them: imports point down only, and no module
imports another that imports it back, not even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .helpers import ROOT

# Bottom up. A module may import its own layer's and the layers below.
LAYERS = [
    ("content", ["ivr.content"]),
    ("answers", ["ivr.twiml"]),
    ("renderers", ["ivr.voice", "sms"]),
    ("every check of a line", ["ivr.lines"]),
    ("usage counts and their report", ["ivr.usage"]),
    ("webhooks", ["ivr.web", "simulator"]),
    ("app and tools", ["ivr.tools", "app", "bench"]),
]
SOURCES = [ROOT / "app.py", *(path for folder in ("ivr", "sms", "simulator", "bench")
                              for path in (ROOT / folder).rglob("*.py"))]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SOURCES}


def layer(module: str) -> int:
    for number, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def imported(path: Path) -> set[str]:
    """The line's own modules this file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: a relative import; write it absolute")
    return {name for name in found if name in MODULES}


GRAPH = {name: imported(path) - {name} for name, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    upward = [other for other in GRAPH[module] if layer(other) > layer(module)]
    assert not upward, (f"{module} ({LAYERS[layer(module)][0]}) imports from a layer above "
                        f"it: {upward}")


def reachable(start: str) -> set[str]:
    """Every module `start` imports, directly or through others."""
    seen: set[str] = set()
    todo = list(GRAPH[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(GRAPH[module])
    return seen


def test_no_import_cycle():
    cycles = sorted(name for name in GRAPH if name in reachable(name))
    assert cycles == [], f"modules on an import cycle: {cycles}"


def folder(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def test_no_two_folders_import_each_other():
    """Each folder sits on one layer: if ivr.web imports sms, sms imports nothing of
    ivr.web, even where the layers would allow it."""
    edges = {(folder(name), folder(other)) for name, others in GRAPH.items()
             for other in others if folder(name) != folder(other)}
    both = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert both == [], f"folders that import each other: {both}"


def test_every_folder_sits_on_one_layer():
    # The package ivr holds only a docstring: no layer of its own.
    layers: dict[str, set[str]] = {}
    for name in MODULES:
        if name != "ivr":
            layers.setdefault(folder(name), set()).add(LAYERS[layer(name)][0])
    mixed = {home: sorted(names) for home, names in layers.items() if len(names) > 1}
    assert mixed == {}, f"folders whose modules sit on different layers: {mixed}"


def test_nothing_but_the_tests_imports_the_tests():
    """What both the benchmarks and the tests use (the line as a server, signed requests)
    lives in the code, bench/servers.py and ivr/web/signature.py, never in tests/."""
    from_tests = sorted(str(path.relative_to(ROOT)) for path in SOURCES
                        if any(name == "tests" or name.startswith("tests.")
                               for name in all_imports(path)))
    assert from_tests == [], f"modules that import the tests: {from_tests}"


def all_imports(path: Path) -> set[str]:
    """Every module this file imports, anywhere in it, the line's own or not."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


# Where a request is signed as Twilio signs it: ivr.web.signature.sign, and the tests that
# check the line against twilio's own computation, independently of that function.
SIGNERS = ["ivr/web/signature.py", "tests/test_signatures.py"]


def test_requests_are_signed_by_one_function():
    calls = sorted(str(path.relative_to(ROOT)) for path in [*SOURCES, *(ROOT / "tests").glob(
        "*.py")] if any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "compute_signature" for node in ast.walk(
                            ast.parse(path.read_text(encoding="utf-8")))))
    assert calls == SIGNERS, "sign requests with ivr.web.signature.sign"


def test_the_readme_layout_lists_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    missing = [str(p.relative_to(ROOT)) for p in SOURCES if p.name != "__init__.py"
               and f"`{p.relative_to(ROOT)}`" not in layout]
    assert missing == [], f"README's Layout leaves out {missing}"


# The packages ivr and sms hold only a docstring: no layer of their own.
PURE = [name for name in MODULES if name not in ("ivr", "sms")
        and layer(name) <= layer("ivr.usage")]


@pytest.mark.parametrize("module", PURE)
def test_the_content_the_renderers_and_the_checks_know_no_web_framework(module):
    """Below the webhooks nothing takes a request or an app: no flask, no werkzeug
    request or response (werkzeug's URL rules are plain data and may be used)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    names |= {node.module for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    web = sorted(n for n in names if n.split(".")[0] == "flask"
                 or n.startswith(("werkzeug.wrappers", "werkzeug.local", "werkzeug.test")))
    assert web == [], f"{module} imports {web}"
