"""The package's types hold: mypy (configured in pyproject.toml) finds no problem, and the stages'
boundaries are typed rather than ``Any``."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_problem():
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_the_stage_boundaries_name_real_types():
    """What build.py calls takes and returns the pipeline's own types, not Any."""
    from report import build, codebook, config, content, data, document, exhibits, theme

    stages = [config.load_config, theme.load_theme, data.load_survey, codebook.load_codebook,
              exhibits.load_definitions, content.load_content, document.build_document,
              build.validate_inputs, build.build_language, build.build]
    for stage in stages:
        signature = inspect.signature(stage)  # annotations as written (the modules import the
        assert "diag" in signature.parameters, stage.__qualname__  # types for checking only)
        written = [(n, p.annotation) for n, p in signature.parameters.items()]
        written.append(("return", signature.return_annotation))
        for name, annotation in written:
            assert annotation is not inspect.Parameter.empty, f"{stage.__qualname__}: {name}"
            assert "Any" not in str(annotation).split("[")[0], \
                f"{stage.__qualname__}: {name} is {annotation}"
