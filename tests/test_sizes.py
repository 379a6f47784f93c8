"""No answer of the line is larger than Twilio reads (64 kB, error 11750), and no menus
file is read whole when it is far larger than any line needs."""

from __future__ import annotations

from ivr.content.yamlfile import MAX_BYTES
from ivr.lines import check_file
from ivr.twiml.serialise import document
from ivr.voice import sizes

from .helpers import FIXTURES, shipped_menus
from .test_serialise import answers as every_path


def test_the_start_up_measure_meets_the_largest_answer_of_every_path():
    """The answers measured at start-up include the largest that any path of a call gets
    (tests/test_serialise.py walks every node, key, miss and kind of call)."""
    menus = shipped_menus()
    measured = max(len(document(r).encode()) for _, _, r in sizes.answers(menus))
    walked = max(len(document(r).encode()) for r in every_path(menus))
    assert walked <= measured < sizes.TWIML_MAX_BYTES


def test_a_menus_file_far_larger_than_any_line_is_not_read(tmp_path):
    """A 30 MB text made a 30 MB menus.yaml: refused with what to look for."""
    path = tmp_path / "menus.yaml"
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    path.write_text(text + "# " + "x" * MAX_BYTES + "\n", encoding="utf-8")
    menus, problems = check_file(path)
    assert menus is None
    assert [str(p) for p in problems] == [
        "menus.yaml: the file is over 2,000,000 bytes, ten times what a line in eleven "
        "languages needs: is it the menus file? Look for a text pasted many times"]
