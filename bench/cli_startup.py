"""`crm --help` start-up time next to `python -c pass`, and which heavy modules it loads.

python bench/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from _common import report

HEAVY = ["litellm", "fastapi", "llama_cpp", "surrealdb", "pydantic_settings", "aiosmtplib"]
PROBE = (
    "import sys, json\n"
    "from cli.main import app\n"
    "try:\n    app(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
    f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
)


def wall_ms(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    crm = [sys.executable, "-m", "cli.main", "--help"]
    bare = wall_ms([sys.executable, "-c", "pass"], args.runs)
    helped = wall_ms(crm, args.runs)
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    report(
        "cli_startup",
        {
            "python_-c_pass_ms": bare,
            "crm_--help_ms": helped,
            "crm_over_bare": helped / bare,
            "heavy_modules_loaded": ",".join(loaded) or "none",
        },
    )


if __name__ == "__main__":
    main()
