"""Only the project's fonts: the fontconfig configuration every process of the build renders with.

Input: the environment of the process, before the PDF engine loads Pango.
Output: ``FONTCONFIG_FILE`` set to the project's own configuration, ``styles/fonts/fonts.conf``;
nothing else changes.

Pango, which WeasyPrint lays text out with, finds fonts through fontconfig, and fontconfig's default
configuration (``/etc/fonts/fonts.conf``) adds every font installed on the machine and in the user's
folders (``~/.fonts``, ``$XDG_DATA_HOME/fonts``), with the distribution's rules. A theme that ships
only some faces of a family then got the others from whatever the machine had, and a character no
project font draws was drawn with a system font: the same inputs gave other bytes on another
machine. The project's configuration lists its own font folder only, with no system or user folder,
no cache and none of the system's rules; a theme's fonts reach the engine through the ``@font-face``
rules generated from its font files (:meth:`report.theme.Theme.css`), and text that no font of the
theme draws is refused before rendering (:mod:`report.glyphs`).

:func:`isolate` runs when the :mod:`report` package is imported, so it precedes WeasyPrint's import
(which reads the configuration once to check that fonts exist) in the build process, in the language
workers it spawns (which also inherit the variable), in the benchmark's engine runs and in the tests.
Fontconfig reads the variable again each time WeasyPrint makes a font configuration, that is for
every document.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_FILE = Path(__file__).resolve().parent.parent / "styles" / "fonts" / "fonts.conf"
# Variables that would make fontconfig read another configuration or prefix its paths.
_OVERRIDES = ("FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")


def isolate(config_file: Path = CONFIG_FILE) -> Path:
    """Make fontconfig read ``config_file`` (the project's configuration) and nothing else."""
    os.environ["FONTCONFIG_FILE"] = str(config_file)
    for name in _OVERRIDES:
        os.environ.pop(name, None)
    return config_file


def isolated(config_file: Path = CONFIG_FILE) -> bool:
    """True when this process renders with the project's configuration only."""
    return os.environ.get("FONTCONFIG_FILE") == str(config_file) and \
        not any(name in os.environ for name in _OVERRIDES)
