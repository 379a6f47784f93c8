"""The line uses other packages through their public names only: a private one
(ElementTree's _escape_attrib) or a deprecated one (Flask's request_ctx, to go in Flask
4.0) breaks without warning when the package changes."""

from __future__ import annotations

import ast
from pathlib import Path

from .test_layers import MODULES, SOURCES

# Public, but going: module -> names. Flask 3.2 deprecates request_ctx, to be removed in
# 4.0 (the request's context merges into the app's); request._get_current_object() gives
# the request.
DEPRECATED = {"flask.globals": {"request_ctx"}}


def foreign_names(path: Path) -> list[str]:
    """Names this file takes from other packages that are private or deprecated."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.module.split(".")[0] in {m.split(".")[0] for m in MODULES}:
            continue  # the line's own modules
        for alias in node.names:
            if alias.name.startswith("_") or alias.name in DEPRECATED.get(node.module, ()):
                found.append(f"{node.module}.{alias.name}")
    return found


def test_no_private_or_deprecated_name_of_another_package_is_imported():
    found = {str(path): names for path in SOURCES if (names := foreign_names(path))}
    assert found == {}


def test_the_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from xml.etree.ElementTree import _escape_cdata as escape\n"
                      "from flask.globals import request_ctx\n"
                      "from flask import request\nfrom ivr.web.lifecycle import _x\n",
                      encoding="utf-8")
    assert foreign_names(sample) == ["xml.etree.ElementTree._escape_cdata",
                                     "flask.globals.request_ctx"]
