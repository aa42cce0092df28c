"""Build the report: ``python build.py --help`` lists the options. All logic is in report/."""

from pathlib import Path

from report.cli import main

if __name__ == "__main__":
    raise SystemExit(main(root=Path(__file__).resolve().parent))
