"""Read commands on a large embedded database: opening the file in every command vs going
through the background server that keeps it open (cli.client.keep_open), fresh processes.

    python bench/keep_open.py [--contacts 20000] [--runs 5]

Reports, per command, the median wall time and peak RSS of the `crm` process when it opens
the file (CRM_KEEP_OPEN=0) and when it goes through the kept-open server, their ratio, and the
server's own memory (targets of issue 14 at 100k: a read ≤ 2 s and ≤ 500 MB, the server
≤ 600 MB).
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

from _common import child_run, disk_bytes, report
from api import server_info

COLD_RUNS = 3
READS = {
    "contacts list": ["contacts", "list", "--json", "--limit", "20"],
    "contacts show": ["contacts", "show", "p7@c7.example.com", "--json"],
    "contacts search": ["contacts", "list", "--json", "--search", "F4242"],
    "segments list": ["segments", "list", "--json"],
    "segments preview": ["segments", "preview", "de-ceo", "--json"],
    # One member: the first page alone reads every contact too.
    "rare preview": ["segments", "preview", "--rule", 'last_name = "L4242"', "--json"],
    "campaigns list": ["campaigns", "list", "--json"],
}


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "first_name", "last_name", "company", "title", "country"])
        for i in range(rows):
            country = ("DE", "AT", "US", "GB", "FR")[i % 5]
            title = ("CEO", "Head of Growth", "Engineer")[i % 3]
            email = f"p{i}@c{i}.example.com"
            writer.writerow([email, f"F{i}", f"L{i}", f"Company {i}", title, country])


def crm(env: dict[str, str], args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `crm` process."""
    ran = child_run([sys.executable, "-m", "cli.main", *args], env)
    return ran.seconds, ran.peak_mb


def medians(env: dict[str, str], args: list[str], runs: int) -> tuple[float, float]:
    samples = [crm(env, args) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def memory_mb(pid: int) -> tuple[float, float]:
    """Current and peak RSS of a running process."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env = base | {"CRM_DATA_DIR": str(folder / "data"), "CRM_KEEP_OPEN": "0"}
        write_csv(folder / "contacts.csv", args.contacts)
        import_s, import_mb = crm(env, ["contacts", "import", str(folder / "contacts.csv")])
        rule = 'country = "DE" and title contains "CEO"'
        crm(env, ["segments", "create", "de-ceo", "--rule", rule])
        db_file = folder / "data" / "crm.db"
        size = disk_bytes(db_file)
        figures: dict[str, object] = {
            "contacts": args.contacts,
            "import s": import_s,
            "import peak MB": import_mb,
            "file MB": size / 1e6,
        }
        cold = {name: medians(env, argv, COLD_RUNS) for name, argv in READS.items()}

        kept = env | {"CRM_KEEP_OPEN": "600", "CRM_KEEP_OPEN_FROM_MB": "0"}
        # The first opens the file and starts the server, the next waits until it has opened it.
        first_s, first_mb = crm(kept, READS["contacts list"])
        second_s, second_mb = crm(kept, READS["contacts list"])
        figures |= {
            "first command, starting the server s": first_s,
            "first command, starting the server MB": first_mb,
            "next command, waiting for it s": second_s,
            "next command, waiting for it MB": second_mb,
        }
        info = server_info.read(db_file)
        assert info is not None and info.kept_open, "no background server"
        try:
            for name, argv in READS.items():
                warm_s, warm_mb = medians(kept, argv, args.runs)
                cold_s, cold_mb = cold[name]
                figures |= {
                    f"{name}: opening the file s": cold_s,
                    f"{name}: opening the file MB": cold_mb,
                    f"{name}: kept open s": warm_s,
                    f"{name}: kept open MB": warm_mb,
                    f"{name}: ratio": warm_s / cold_s,
                }
            rss, peak = memory_mb(info.pid)
            figures |= {"server RSS MB": rss, "server peak MB": peak}
        finally:
            os.kill(info.pid, signal.SIGTERM)
        report("keep_open", figures)


if __name__ == "__main__":
    main()
