"""The PDF engine reads only the project's own asset folders."""

from pathlib import Path

import pytest

from report.pdf import ProjectFetcher


@pytest.fixture
def fetcher(tmp_path: Path) -> ProjectFetcher:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "ok.svg").write_text("<svg/>")
    (tmp_path / "big.bin").write_bytes(b"0" * 2048)
    return ProjectFetcher((tmp_path / "assets",), max_bytes=1024)


def test_reads_a_project_file(fetcher, tmp_path):
    response = fetcher.fetch((tmp_path / "assets" / "ok.svg").as_uri())
    assert response.read() == b"<svg/>"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///dev/urandom",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "data:text/plain,hello",
    ],
)
def test_refuses_outside_urls(fetcher, url):
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused


def test_refuses_escapes_and_large_files(fetcher, tmp_path):
    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch((tmp_path / "assets").as_uri() + "/../big.bin")
    big = tmp_path / "assets" / "big.bin"
    big.write_bytes(b"0" * 4096)
    with pytest.raises(ValueError, match="larger"):
        fetcher.fetch(big.as_uri())
