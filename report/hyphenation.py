"""Hyphenation guard: mark, in the finished HTML, the words the engine must never hyphenate and the
names printed in another language than the edition's.

Input: the HTML of one edition (from :mod:`report.templates`), the words never to hyphenate (the
terminology's list, the glossary's acronyms and names, people's names), and the names that stay in
the other language (with that language).
Output: the same HTML, where

* each such name is wrapped in ``<span class="nh" lang="fr">``: a screen reader pronounces it in
  its language, and the language checks know it is meant;
* each protected word, and each capitalised word that does not open a sentence (a proper name, a
  title's word: «QuébecInnove», «Anglade»), is wrapped in ``<span class="nh">``, which the
  stylesheet sets ``hyphens: manual``.

CSS has no list of words never to hyphenate (``hyphenate-limit-chars`` and ``-zone`` limit where a
word breaks, not which word), so the words are marked here. Only text between tags is touched, in
the body, and never inside ``<svg>`` (the charts), ``<style>`` or ``<script>``; a sentence's first
word may be hyphenated (it is capitalised for being first, not for being a name). The first
capitalised word of a text between tags is marked: whether it opens a sentence is not known
there, and a paragraph's first word is hyphenated only when a float leaves its first line room for
one word (WeasyPrint set «Foun‐» alone beside a case study's profile box).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

NH = '<span class="nh">{}</span>'
_TOKEN = re.compile(r"(<[^>]*>)")
_SKIP = ("svg", "style", "script", "head", "title")
_OPENS = re.compile(r"[.!?…]\s+$|[.!?…]\s*[«“](?:\s|&nbsp;)*$")


def protect(markup: str, words: Iterable[str] = (), names: Iterable[str] = (),
            names_lang: str | None = None) -> str:
    """Mark protected words and foreign names in ``markup`` (see the module's docstring)."""
    words = {w.casefold() for w in words if w}
    name_list = sorted({n for n in names if n}, key=len, reverse=True)
    name_re = re.compile("|".join(_name_pattern(n) for n in name_list)) if name_list else None
    body = markup.find("<body")
    head, rest = (markup[:body], markup[body:]) if body >= 0 else ("", markup)
    parts = _TOKEN.split(rest)
    skipping: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 == 1:  # a tag
            tag = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if tag:
                name = tag.group(2).lower()
                if name in _SKIP and not part.endswith("/>"):
                    if tag.group(1):
                        if skipping and skipping[-1] == name:
                            skipping.pop()
                    else:
                        skipping.append(name)
            continue
        if skipping or not part.strip():
            continue
        parts[index] = _mark(part, words, name_re, names_lang)
    return head + "".join(parts)


def _name_pattern(name: str) -> str:
    """A name with what is glued to it (an elided article, punctuation, no-break spaces): the
    engine breaks lines only at spaces, and a mark that ended inside a run of glued characters
    could leave it nowhere to break («QuébecInnove,» overflowed by its comma)."""
    escaped = re.escape(html.escape(name, quote=False))
    escaped = escaped.replace("’", "[’']").replace(r"\ ", r"(?:\s|&nbsp;)")
    return rf"[^\s<>]*(?<![\w-]){escaped}(?![\w-])[^\s<>]*"


def _mark(text: str, words: set[str], name_re: re.Pattern[str] | None,
          names_lang: str | None) -> str:
    pieces: list[str] = []
    last = 0
    start = ""
    if name_re is not None and names_lang:
        for match in name_re.finditer(text):
            pieces.append(_mark_words(text[last:match.start()], words, start + text[:last]))
            pieces.append(f'<span class="nh" lang="{names_lang}">{match.group(0)}</span>')
            last = match.end()
    pieces.append(_mark_words(text[last:], words, start + text[:last]))
    return "".join(pieces)


_RUN = re.compile(r"[^ \t\r\n]+")  # what the engine cannot break: no ordinary space inside
_WORD = re.compile(r"[^\W\d_][\w’'-]*")


def _mark_words(text: str, words: set[str], before: str) -> str:
    """Wrap each run of glued characters that holds a protected or capitalised word."""
    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        if "&" in run and not re.search(r"&[a-z]+;|&#\d+;", run):
            return run
        for word in _WORD.findall(re.sub(r"&[a-z]+;|&#\d+;", " ", run)):
            core = re.split(r"[’']", word)[-1]
            if word.casefold() in words or core.casefold() in words or _inner_capital(core):
                return NH.format(run)
            if core[:1].isupper() and len(core) >= 5:
                preceding = before + text[:match.start()]
                if preceding.strip() and _OPENS.search(preceding[-12:]):
                    return run  # a sentence's first word, capitalised for being first
                return NH.format(run)
        return run

    return _RUN.sub(replace, text) if text else text


def _inner_capital(word: str) -> bool:
    """«QuébecInnove», «CEFRIO»: a capital after the first letter marks a name anywhere."""
    return any(c.isupper() for c in word[1:])
