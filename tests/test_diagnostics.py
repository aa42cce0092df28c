"""The diagnostics channel: what is recorded, when it stops a build, how a long list prints."""

from __future__ import annotations

import logging
import pickle

import pytest

from report.diagnostics import Diagnostics, ReportWarning, StrictError
from report.errors import DataError, ErrorGroup, RenderError, ThemeError, summarise


def test_errors_and_warnings_are_kept_apart_and_in_order():
    diag = Diagnostics()
    diag.error(DataError("first", file="a.csv", line=2))
    diag.warn("a note", file="b.md", line=3)
    diag.error(ErrorGroup([ThemeError("x"), ThemeError("y")]))
    assert [e.message for e in diag.errors] == ["first", "x", "y"]
    assert [str(w) for w in diag.warnings] == ["b.md:3: a note"]
    assert not diag.ok


def test_strict_makes_every_warning_an_error():
    diag = Diagnostics(strict=True)
    diag.warn("overflowing line", file="c.md", line=9)
    assert diag.warnings == [] and len(diag.errors) == 1
    with pytest.raises(StrictError, match=r"c\.md:9: overflowing line") as caught:
        diag.raise_if_errors()
    assert "fatal under --strict" in caught.value.kind


def test_release_problems_are_warnings_in_a_draft_and_errors_in_a_release():
    draft, release, strict = Diagnostics(), Diagnostics(release=True), Diagnostics(strict=True)
    for diag in (draft, release, strict):
        diag.warn("placeholder ISBN", file="data/report.toml", line=27, release=True)
        diag.warn("ordinary warning")
    assert draft.ok and len(draft.warnings) == 2
    assert [e.message for e in release.errors] == ["placeholder ISBN"]
    assert isinstance(release.errors[0], StrictError)
    assert isinstance(draft.warnings[0], ReportWarning)
    # --strict judges how the draft is made, not whether it may be published
    assert [w.message for w in strict.warnings] == ["placeholder ISBN"]
    assert [e.message for e in strict.errors] == ["ordinary warning"]
    assert [w.message for w in release.warnings] == ["ordinary warning"]


def test_raise_if_errors_raises_one_error_alone_and_a_group_otherwise():
    diag = Diagnostics()
    diag.raise_if_errors()  # nothing recorded: nothing raised
    diag.error(DataError("one"))
    with pytest.raises(DataError):
        diag.raise_if_errors()
    diag.error(DataError("two"))
    with pytest.raises(ErrorGroup) as caught:
        diag.raise_if_errors("the survey has problems")
    assert [e.message for e in caught.value.errors] == ["one", "two"]


def test_collecting_records_a_raised_problem_and_lets_the_caller_go_on():
    diag = Diagnostics()
    with diag.collecting():
        raise ThemeError("bad colour", file="themes/x/theme.toml", line=4)
    with diag.collecting():
        pass
    assert [str(e) for e in diag.errors] == ["themes/x/theme.toml:4: bad colour"]
    with pytest.raises(ValueError), diag.collecting():  # not a problem of the inputs: let through
        raise ValueError("a bug")


def test_a_workers_diagnostics_cross_processes_and_merge():
    parent = Diagnostics(strict=False, release=True)
    child = parent.child()
    assert (child.strict, child.release, child.errors) == (False, True, [])
    child.warn("engine said so", file="styles/report.css", line=12)
    child.error(RenderError("chart failed", value="fig-web"))
    parent.merge(pickle.loads(pickle.dumps(child)))
    assert str(parent.warnings[0]) == "styles/report.css:12: engine said so"
    assert parent.errors[0].value == "fig-web"


@pytest.mark.parametrize("terminal_level", [logging.ERROR, logging.CRITICAL, logging.NOTSET])
def test_engine_warnings_are_recorded_whatever_level_the_terminal_set(terminal_level):
    """--quiet raises the engine logger's level for the terminal: the record must not depend on it
    (the old --strict checked nothing unless --verbose was given)."""
    engine = logging.getLogger("weasyprint")
    engine.setLevel(terminal_level)
    diag = Diagnostics(strict=True)
    with diag.engine_log("weasyprint", where="fr screen", ignore=("HarfBuzz",)) as messages:
        engine.warning("Ignored `colr: red` at 3:1, unknown property.")
        engine.warning("HarfBuzz-Subset is not available")
        engine.error("Failed to load image at 'x.png'")
    assert engine.level == terminal_level  # put back
    assert messages == ["Ignored `colr: red` at 3:1, unknown property.",
                        "Failed to load image at 'x.png'"]
    assert [str(e) for e in diag.errors] == [
        "fr screen: Ignored `colr: red` at 3:1, unknown property.",
        "fr screen: Failed to load image at 'x.png'"]
    engine.setLevel(logging.NOTSET)


def test_a_draft_records_engine_warnings_as_warnings_and_engine_errors_as_errors():
    diag = Diagnostics()
    with diag.engine_log("weasyprint"):
        logging.getLogger("weasyprint").warning("soft")
        logging.getLogger("weasyprint").error("hard")
    assert [w.message for w in diag.warnings] == ["soft"]
    assert [e.message for e in diag.errors] == ["hard"]
    assert isinstance(diag.errors[0], RenderError)


def test_summarise_counts_what_repeats_after_the_first_few():
    problems = [DataError("unknown code", file="data/survey/responses.csv", line=row,
                          column="size", value="huge") for row in range(1, 100_001)]
    problems.insert(3, DataError("duplicate id", file="data/survey/responses.csv", line=7))
    lines = summarise(problems, shown=5)
    assert len(lines) == 7
    assert lines[3] == "data/survey/responses.csv:7: duplicate id"
    assert lines[-1] == ("… and 99,995 more in data/survey/responses.csv: unknown code "
                         "(rows 6–100000)")


def test_summarise_lists_everything_when_nothing_repeats_much():
    problems = [ThemeError(f"problem {i}", file="theme.toml", line=i) for i in range(1, 4)]
    problems += [ThemeError("same", file="theme.toml", line=i) for i in range(4, 9)]
    assert summarise(problems, shown=5) == [str(p) for p in problems]
