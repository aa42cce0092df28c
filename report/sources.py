"""Reading the inputs: every text file the build reads goes through this module.

Input: the path of an input inside the project (content, data, styles, templates, a theme's files)
and the error class of the stage that reads it.
Output: the file's text (UTF-8; a byte-order mark dropped; CRLF and CR read as LF) or, for YAML and
TOML, a :class:`Source`: the parsed data and the position (line, column) where every key and list
item was written, so that a problem found later, by a schema or a cross-reference, names
``file:line:column``.

Refused, each with a located error that says how to fix it:

* a file whose real path (symbolic links resolved) lies outside the project: a link in the
  content, the styles or a theme that leads elsewhere is never followed;
* anything but a regular file (a folder, a pipe, a device);
* a file larger than its bound (:data:`MAX_TEXT_BYTES`; the survey's responses
  :data:`MAX_DATA_BYTES`), text that is not UTF-8 (UTF-16 and UTF-32 are named as such);
* a YAML document that expands to more than :data:`MAX_YAML_VALUES` values once its aliases are
  followed (an «alias bomb» is a few lines that expand to billions), that nests deeper than
  :data:`MAX_DEPTH`, or whose aliases form a cycle; a key written twice in one mapping.

Only this module parses YAML and TOML. Schemas (:mod:`report.schemas`) then say what the data may
hold.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ReportError

MAX_TEXT_BYTES = 2 * 1024 * 1024  # a content file, a configuration file, a stylesheet, a template
MAX_DATA_BYTES = 256 * 1024 * 1024  # the survey's responses (10,000 enterprises: about 2 MB)
MAX_YAML_VALUES = 200_000  # values of a YAML document once its aliases are expanded
MAX_DEPTH = 64  # nesting of YAML collections
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Position = tuple[int, int]  # line, column (1-based)
Path_ = tuple[str | int, ...]  # keys and list indexes from the document's root


@dataclass(frozen=True)
class Source:
    """A parsed YAML or TOML input: its data and where each key and list item was written."""

    path: Path
    shown: str  # how messages name the file (relative to the project where it is inside)
    data: Any
    positions: dict[Path_, Position] = field(default_factory=dict, repr=False)
    line_offset: int = 0  # lines before the parsed text in its file (front matter: 1)

    def where(self, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
        """The position of ``loc`` (keys and indexes), or of its deepest written ancestor."""
        path = tuple(loc)
        while path:
            if path in self.positions:
                line, column = self.positions[path]
                return line + self.line_offset, column
            path = path[:-1]
        return (1 + self.line_offset, None) if self.positions else (None, None)

    def error(self, error: type[ReportError], message: str, loc: Sequence[str | int] = (),
              **details: Any) -> ReportError:
        """An error of class ``error`` located at ``loc`` in this file."""
        line, column = self.where(loc)
        return error(message, file=self.shown, line=line, column=column, **details)


# -- files ---------------------------------------------------------------------------------------

def shown(path: Path, root: Path | None) -> str:
    """``path`` as messages show it: relative to the project when inside it."""
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)


def inside(path: Path, roots: Sequence[Path]) -> bool:
    """True when ``path``'s real location (links resolved) is one of ``roots`` or under one."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return False
    return any(real == (r := root.resolve()) or r in real.parents for root in roots)


def read_bytes(path: Path, error: type[ReportError], *, root: Path | None,
               limit: int = MAX_TEXT_BYTES, missing: str = "file not found",
               missing_hint: str | None = None, name: str | None = None) -> bytes:
    """The bytes of a regular file inside ``root``, no larger than ``limit``."""
    file = name or shown(path, root)
    if not path.exists() and not path.is_symlink():
        raise error(missing, file=file, hint=missing_hint)
    if root is not None and not inside(path, [root]):
        raise error("refused: a symbolic link that leads outside the project", file=file,
                    value=str(path.resolve()) if path.is_symlink() else None,
                    hint="copy the file into the project instead of linking to it")
    if path.is_dir():
        raise error("expected a file, found a folder", file=file)
    if not path.is_file():
        raise error("refused: not a regular file (a device, a pipe or a broken link)", file=file,
                    hint="inputs are ordinary files")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror}", file=file) from None
    if len(data) > limit:
        raise error(f"file larger than {limit // 1024:,} KB", file=file,
                    hint="an input this large is a mistake or an attack; split it or check it")
    return data


_UTF16_32 = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
             (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def wide_encoding(data: bytes) -> str | None:
    """«UTF-16» or «UTF-32» when the bytes are text in one of those (a byte-order mark, or many
    NUL bytes, which UTF-8 text never holds), else None."""
    for mark, encoding in _UTF16_32:
        if data.startswith(mark):
            return encoding
    head = data[:400]
    return "UTF-16" if head and head.count(b"\x00") > len(head) // 4 else None


def decode(data: bytes, error: type[ReportError], *, file: str,
           invalid: str = "file is not valid UTF-8", column: bool = True) -> str:
    """UTF-8 text (byte-order mark dropped, CRLF and CR as LF); a located error otherwise."""
    wide = wide_encoding(data)
    if wide:
        raise error(f"the file is {wide}, not UTF-8", file=file,
                    hint="save it as UTF-8 (in a spreadsheet: «CSV UTF-8»)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        body = exc.object  # after a byte-order mark
        line = body[: exc.start].count(b"\n") + 1
        at = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(invalid, file=file, line=line, column=at if column else None,
                    value=body[exc.start: exc.end],
                    hint="save the file as UTF-8 (it looks like Latin-1 / Windows-1252)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, error: type[ReportError], *, root: Path | None,
              limit: int = MAX_TEXT_BYTES, missing: str = "file not found",
              missing_hint: str | None = None, invalid: str = "file is not valid UTF-8",
              column: bool = True, name: str | None = None) -> str:
    """The UTF-8 text of an input file (see :func:`read_bytes` and :func:`decode`)."""
    data = read_bytes(path, error, root=root, limit=limit, missing=missing,
                      missing_hint=missing_hint, name=name)
    return decode(data, error, file=name or shown(path, root), invalid=invalid, column=column)


# -- YAML ----------------------------------------------------------------------------------------

def parse_yaml(text: str, error: type[ReportError], *, file: str, path: Path | None = None,
               line_offset: int = 0, what: str = "YAML") -> Source:
    """Parse one YAML document with positions; bounded (see the module's docstring)."""
    loader = _LOADER(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as fast:
            exc = _exact(text, fast)
            mark = getattr(exc, "problem_mark", None)
            raise error(f"invalid {what}: {getattr(exc, 'problem', None) or exc}", file=file,
                        line=mark.line + 1 + line_offset if mark else None,
                        column=mark.column + 1 if mark else None,
                        hint="check the indentation, colons, brackets and quotes on this line or "
                        "the one before (a text with a colon, quote or # goes in double quotes)"
                        ) from None
        positions: dict[Path_, Position] = {}
        problems: list[ReportError] = []
        if node is not None:
            _walk(node, (), positions, problems, file, error, line_offset)
            if problems:
                raise problems[0] if len(problems) == 1 else _group(problems)
            data = loader.construct_document(node)
        else:
            data = None
    finally:
        loader.dispose()
    return Source(path or Path(file), file, data, positions, line_offset)


def _exact(text: str, fast: yaml.YAMLError) -> yaml.YAMLError:
    """The pure-Python parser's error for a text libyaml refused: libyaml often points at the end
    of the text, the pure-Python parser at the error itself."""
    try:
        yaml.SafeLoader(text).get_single_node()
    except yaml.YAMLError as exact:
        return exact
    return fast


def _group(problems: list[ReportError]) -> ReportError:
    from .errors import ErrorGroup

    return ErrorGroup(problems)


def _walk(root: yaml.Node, start: Path_, positions: dict[Path_, Position],
          problems: list[ReportError], file: str, error: type[ReportError], offset: int) -> None:
    """Record positions, refuse duplicate keys, and bound the document's expanded size."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        """Values under ``node`` once aliases are expanded (memoised by node identity)."""
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise error("refused: a YAML alias refers to one of its own parents", file=file,
                        line=node.start_mark.line + 1 + offset, hint="remove the alias")
        if depth > MAX_DEPTH:
            raise error(f"refused: values nested more than {MAX_DEPTH} levels deep", file=file,
                        line=node.start_mark.line + 1 + offset)
        on_path.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
                if total > MAX_YAML_VALUES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
                if total > MAX_YAML_VALUES:
                    break
        on_path.discard(key)
        sizes[key] = total
        if total > MAX_YAML_VALUES:
            raise error(f"refused: more than {MAX_YAML_VALUES:,} values once its aliases are "
                        "expanded", file=file, line=node.start_mark.line + 1 + offset,
                        hint="an input this large is a mistake or an attack (an «alias bomb»)")
        return total

    size(root, 0)
    seen: set[int] = set()

    def visit(node: yaml.Node, path: Path_) -> None:
        if id(node) in seen:  # an alias: its anchor's positions were recorded already
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark.line)
                line = k.start_mark.line + 1
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if name in first:
                        problems.append(error("key written twice", file=file, line=line + offset,
                                              value=name, hint=f"it is already on line "
                                              f"{first[name] + offset}: keep one of them"))
                    first.setdefault(name, line)
                positions.setdefault((*path, name), (line, k.start_mark.column + 1))
                visit(v, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                positions.setdefault((*path, index),
                                     (item.start_mark.line + 1, item.start_mark.column + 1))
                visit(item, (*path, index))

    positions[start] = (root.start_mark.line + 1, root.start_mark.column + 1)
    visit(root, start)


def _nonempty(path: Path, error: type[ReportError], root: Path | None, missing: str,
              missing_hint: str | None, empty_hint: str | None) -> tuple[str, str]:
    """The file's name as shown, and its text, which must not be blank."""
    file = shown(path, root)
    text = read_text(path, error, root=root, missing=missing, missing_hint=missing_hint)
    if not text.strip():
        raise error("file is empty", file=file, hint=empty_hint)
    return file, text


def load_yaml(path: Path, error: type[ReportError], *, root: Path | None,
              missing: str = "file not found", missing_hint: str | None = None,
              empty_hint: str | None = None) -> Source:
    """Read and parse a YAML input file (see :func:`read_text` and :func:`parse_yaml`)."""
    file, text = _nonempty(path, error, root, missing, missing_hint, empty_hint)
    source = parse_yaml(text, error, file=file, path=path)
    if source.data is None:
        raise error("file is empty", file=file, hint=empty_hint)
    return source


# -- TOML ----------------------------------------------------------------------------------------

_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"^(\s*)((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                       r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _dotted(text: str) -> tuple[str, ...]:
    parts = re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", text)
    return tuple(part.strip().strip("\"'") for part in parts)


def toml_positions(text: str) -> dict[Path_, Position]:
    """Where every table and key of a TOML text is written (line, column), by path; the items of
    an array of tables (``[[partners]]``) by index. The first occurrence wins."""
    positions: dict[Path_, Position] = {}
    table: Path_ = ()
    counts: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _TOML_TABLE.match(line)
        if header:
            names = _dotted(header.group(2))
            column = line.index(header.group(1)) + 1
            if header.group(1) == "[[":
                index = counts[names] = counts.get(names, -1) + 1
                table = (*names, index)
            else:
                table = names
            for end in range(1, len(table) + 1):  # [facts.jobs] also opens facts
                positions.setdefault(table[:end], (number, column))
            continue
        key = _TOML_KEY.match(line)
        if key:
            positions.setdefault((*table, *_dotted(key.group(2))), (number, len(key.group(1)) + 1))
            for quotes in ('"""', "'''"):
                if line.count(quotes) % 2 == 1:
                    in_string = quotes
    return positions


def parse_toml(text: str, error: type[ReportError], *, file: str,
               path: Path | None = None) -> Source:
    """Parse a TOML text with positions (TOML itself refuses keys written twice)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(getattr(exc, "msg", None) or exc)
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        found = _TOML_AT.search(str(exc))
        if found:
            line, column = line or int(found.group(1)), column or int(found.group(2))
        raise error(f"invalid TOML: {_TOML_AT.sub('', message)}", file=file, line=line,
                    column=column, hint="check the quotes, brackets and '=' on this line") from None
    return Source(path or Path(file), file, data, toml_positions(text))


def load_toml(path: Path, error: type[ReportError], *, root: Path | None,
              missing: str = "file not found", missing_hint: str | None = None,
              empty_hint: str | None = None) -> Source:
    """Read and parse a TOML input file (see :func:`read_text` and :func:`parse_toml`)."""
    file, text = _nonempty(path, error, root, missing, missing_hint, empty_hint)
    return parse_toml(text, error, file=file, path=path)
