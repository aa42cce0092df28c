"""The README's table of print colours: ``python tools/print_colours.py [theme …]``.

For each theme colour: its sRGB value, the CMYK ink the print edition uses for it on the printing
condition of ``data/report.toml`` (through ``report.printing``), how the ink was chosen, and the
CIEDE2000 difference between the screen colour and what the ink prints (relative to the paper).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report.config import load_config  # noqa: E402
from report.diagnostics import Diagnostics  # noqa: E402
from report.printing import check_colours, print_setup  # noqa: E402
from report.theme import load_theme  # noqa: E402


def theme_colours(theme) -> dict[str, str]:
    colours = {name: value for name, value in theme.colors.items()}
    colours.update({f"chart {i + 1}": value for i, value in enumerate(theme.chart_colors)})
    return colours


def table(name: str) -> str:
    diag = Diagnostics()
    config = load_config(ROOT, diag)
    theme = load_theme(config.paths, name, diag) if config is not None else None
    diag.raise_if_errors()
    assert config is not None and theme is not None
    setup = print_setup(config.print_condition, theme.cmyk, config.paths.styles / "icc")
    lines = [f"**{name}** ({setup.condition.key})", "",
             "| colour | sRGB | CMYK (%) | ink | ΔE00 |", "|---|---|---|---|---|"]
    for check in check_colours(setup, theme_colours(theme)):
        ink = " ".join(f"{round(v * 100)}" for v in check.cmyk)
        note = check.how + ("" if check.in_gamut else ", out of gamut")
        if check.how == "black only":
            note += f" (ΔE00 {check.target_delta_e:.1f} to the neutral of the same lightness)"
        lines.append(f"| {check.name} | {check.hex} | {ink} | {note} | {check.delta_e:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    for theme_name in sys.argv[1:] or ["default", "reseau-ormes", "fondation-brumes"]:
        print(table(theme_name), end="\n\n")
