"""Atomic writes and the manifest."""

import json
import os

import pytest

from report.errors import RenderError
from report.output import Output, atomic_write, write_outputs


def test_atomic_write_replaces_and_cleans_up(tmp_path):
    target = tmp_path / "a.pdf"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["a.pdf"]


def test_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"previous")

    def boom(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"x" * 1000)
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["a.pdf"]


def test_manifest_lists_outputs_and_keeps_other_builds(tmp_path):
    first = [Output("fr", "screen", "default", "r-fr.pdf", b"%PDF-fr", 3)]
    write_outputs(first, tmp_path)
    second = [Output("en", "screen", "default", "r-en.pdf", b"%PDF-en", 4)]
    manifest = json.loads(write_outputs(second, tmp_path).read_text())
    paths = {e["path"]: e for e in manifest["outputs"]}
    assert set(paths) == {"r-fr.pdf", "r-en.pdf"}
    assert paths["r-en.pdf"]["pages"] == 4 and paths["r-en.pdf"]["bytes"] == 7


def test_two_outputs_on_one_path_are_refused(tmp_path):
    outputs = [Output("fr", "screen", "default", "same.pdf", b"1", 1),
               Output("en", "screen", "default", "same.pdf", b"2", 1)]
    with pytest.raises(RenderError):
        write_outputs(outputs, tmp_path)
    assert not (tmp_path / "same.pdf").exists()
