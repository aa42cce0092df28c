"""Editorial inputs: the glossary, the terminology of each language, the bibliography and the back
cover's text, read and checked together.

Input: the project's :class:`~report.config.Paths` (``data/glossary.toml``,
``data/terminology/<lang>.toml``, ``data/bibliography.json``,
``data/content/<lang>/back-cover.md``).
Output: an :class:`Editorial` that the document stage uses (citations, the list of acronyms, the
back cover, the words never hyphenated) and that the proofing and release checks read. A file that
is wrong is reported on the diagnostics channel with its located problems; a missing back cover
is not an error here (a draft goes without one and says so; a release refuses: see
:mod:`report.release`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import LANGUAGES
from .bibliography import Bibliography, load_bibliography
from .diagnostics import Diagnostics
from .glossary import Glossary, load_glossary
from .terminology import Terminology, load_terminology

BACK_COVER = "back-cover"  # data/content/<lang>/back-cover.md


@dataclass(frozen=True)
class Editorial:
    glossary: Glossary
    terminology: dict[str, Terminology]
    bibliography: Bibliography
    back_cover: dict[str, Any] = field(default_factory=dict)  # lang → Page (absent: none)

    def protected_words(self, lang: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Words never hyphenated in ``lang``: the terminology's list, every acronym, every word
        of the glossary's names (capitalised words are protected anyway: see
        :mod:`report.hyphenation`)."""
        words = set(self.terminology[lang].never_hyphenate) | set(extra)
        for entries in self.glossary.acronyms.values():
            words |= set(entries)
        for name in self.glossary.names:
            words |= {w for w in name.replace("’", " ").split() if len(w) > 3}
        return tuple(sorted(words))


def load_editorial(paths: Any, diag: Diagnostics) -> Editorial | None:
    """Read every editorial input; every problem goes to ``diag``. None when one cannot be used."""
    from .content import parse_page

    root = paths.root
    glossary = load_glossary(paths.data / "glossary.toml", diag, root=root)
    terminology = {lang: load_terminology(paths.data / "terminology", lang, diag, root=root)
                   for lang in LANGUAGES}
    bibliography = load_bibliography(paths.data / "bibliography.json", diag, root=root)
    back: dict[str, Any] = {}
    for lang in LANGUAGES:
        path: Path = paths.content / lang / f"{BACK_COVER}.md"
        if path.is_file():
            page = parse_page(path, BACK_COVER, lang, diag, root=root)
            if page is not None:
                back[lang] = page
    if glossary is None or bibliography is None or any(t is None for t in terminology.values()):
        return None
    return Editorial(glossary, {lang: t for lang, t in terminology.items() if t is not None},
                     bibliography, back)
