"""`crm --help` and shell completion next to `python -c "import typer, rich"`, and what
`crm --help` imports beyond what typer needs to print a help page.

    python bench/cli_startup.py [--runs 10]

Target (issue 14): `crm --help` <= 2.5x the import of typer and rich, completion as lean.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from pathlib import Path

from _common import process_env, process_ms, report

CRM = [sys.executable, str(Path(sys.executable).with_name("crm"))]
TYPER_AND_RICH = [sys.executable, "-c", "import typer, rich"]
# What any typer app with two commands loads to print its rich help page.
TYPER_HELP = [
    sys.executable,
    "-c",
    "import typer\napp = typer.Typer()\napp.command('a')(lambda: None)\n"
    "app.command('b')(lambda: None)\napp(['--help'])",
]
COMPLETION = {"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": "crm contacts li", "COMP_CWORD": "2"}


def self_import_ms(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Each module `argv` imports and the ms its own import took (`python -X importtime`)."""
    run = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, env=env
    )
    found = {}
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own, _, name = line.removeprefix("import time:").split("|")
            found[name.strip()] = int(own) / 1000
    return found


def beyond_typer_help(env: dict[str, str]) -> str:
    """`crm --help`'s imports that typer's own help page does not need, by top-level package."""
    needed = self_import_ms(TYPER_HELP, env)
    extra: Counter[str] = Counter()
    for name, ms in self_import_ms([*CRM, "--help"], env).items():
        if name not in needed:
            extra[name.split(".")[0]] += ms
    return ", ".join(f"{name} {ms:.1f} ms" for name, ms in extra.most_common()) or "none"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = process_env()
    walls = process_ms(
        {
            "pass": [sys.executable, "-c", "pass"],
            "typer_rich": TYPER_AND_RICH,
            "typer_help": TYPER_HELP,
            "help": [*CRM, "--help"],
        },
        args.runs,
        env,
    )
    completion = process_ms({"completion": CRM}, args.runs, process_env(**COMPLETION))
    base = walls["typer_rich"]
    report(
        "cli_startup",
        {
            "python_-c_pass_ms": walls["pass"],
            "import_typer_rich_ms": base,
            "two_command_typer_app_--help_ms": walls["typer_help"],
            "two_command_typer_app_--help_over_typer_rich": walls["typer_help"] / base,
            "crm_--help_ms": walls["help"],
            "crm_--help_over_typer_rich": walls["help"] / base,
            "completion_ms (crm contacts li<TAB>)": completion["completion"],
            "completion_over_typer_rich": completion["completion"] / base,
            "imported_beyond_typer_help": beyond_typer_help(env),
        },
    )


if __name__ == "__main__":
    main()
