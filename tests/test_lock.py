"""The lock files cover pyproject.toml: every dependency is pinned, at a version its requirement
allows, with hashes; the build lock is the test lock's runtime part, at the same versions.
(Refreshing them needs the network: ``python tools/lock.py``; this test reads the files only.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins(lock: Path) -> dict[str, list[str]]:
    """Package name → the versions pinned (one per environment marker), each with its hashes."""
    pins: dict[str, list[str]] = {}
    text = lock.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement = line.split(" --hash=")[0].strip()
        name, _, rest = requirement.partition("==")
        assert "--hash=sha256:" in line, f"{lock.name}: {name} has no hash"
        pins.setdefault(canonicalize_name(name), []).append(rest.split(";")[0].strip())
    return pins


def test_every_dependency_is_locked_at_an_allowed_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    tests = [Requirement(r) for r in project["optional-dependencies"]["test"]]
    locks = {kind: _pins(ROOT / "requirements" / f"{kind}.txt") for kind in ("build", "test")}
    for kind, requirements in (("build", runtime), ("test", runtime + tests)):
        for requirement in requirements:
            versions = locks[kind].get(canonicalize_name(requirement.name))
            assert versions, f"{requirement.name} is not in requirements/{kind}.txt: " \
                "run python tools/lock.py"
            for version in versions:
                assert requirement.specifier.contains(version, prereleases=True), \
                    f"requirements/{kind}.txt pins {requirement.name} {version}, outside " \
                    f"{requirement.specifier}: run python tools/lock.py"
    for name, versions in locks["build"].items():
        assert locks["test"].get(name) == versions, f"{name}: the two locks disagree"
