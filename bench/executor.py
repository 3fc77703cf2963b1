"""The campaign executor vs a bare aiosmtplib loop, same messages, same sink, same concurrency.

    python bench/executor.py [--contacts 10000] [--concurrency 8]

An aiosmtpd sink runs in its own process. The bare loop sends the very messages the executor
renders (taken from a dry run) over `concurrency` persistent connections; the executor does
everything a real run does with the default settings (skip rules on fresh contact records,
the 24-hour frequency limit, claim/complete records on a surrealkv file, rendering with tracking
tokens). Target: executor/bare >= 0.7.

Besides the rates it reports CPU per message: this process's Python thread, the embedded
engine's threads (the rest of this process) and the sink. On 2 cores the three compete, so
their sum bounds the rate.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import aiosmtplib

from _common import fresh_db, report, stored_contact
from campaigns import approval, executor, repository, service
from campaigns.models import Brief, CampaignCreate, State
from crm.db import Database
from crm.segments import service as segments
from crm.segments.models import SegmentCreate
from kernel.settings import Settings

ASSET = {
    "subject": "Spring is here",
    "preheader": "Our spring release",
    "body": "Hello,\n\nOur spring release is out: https://example.com/spring\n\n"
    "Best regards,\nShop",
    "body_html": '<p>Hello,</p>\n<p>Our spring release is out: <a href="https://example.com/'
    'spring">https://example.com/spring</a></p>\n<p>Best regards,<br>\nShop</p>',
}


def _sink(port: int, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:  # until the parent terminates this process
        time.sleep(3600)


def _cpu_of(pid: int | None) -> float:
    """CPU seconds a process has used (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def prepare(db: Database, settings: Settings, count: int) -> str:
    for start in range(0, count, 1000):
        rows = [
            stored_contact(email=f"p{i}@example.com", first_name=f"P{i}")
            for i in range(start, min(start + 1000, count))
        ]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})
    await segments.create(db, SegmentCreate(name="all", rule="email exists"))
    campaign = await service.create(
        db,
        CampaignCreate(
            name="bench",
            brief=Brief(goal="bench"),
            segment="all",
            channels=["email"],
        ),
    )
    campaign = await service.move(db, campaign, State.GENERATING)
    row = {"campaign": campaign.id, "channel": "email", "variant": "segment", "version": 1}
    await repository.insert_asset(db, {**row, "content": ASSET})
    await service.move(db, campaign, State.REVIEW)
    await approval.approve(db, campaign.id, settings)
    return campaign.id


async def bare_loop(messages: list[bytes], port: int, concurrency: int) -> float:
    queue = list(messages)

    async def worker() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await smtp.connect()
        while queue:
            data = queue.pop()
            await smtp.sendmail("news@shop.example", ["someone@example.com"], data)
        await smtp.quit()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(messages) / (time.perf_counter() - start)


async def bench(count: int, concurrency: int) -> dict[str, Any]:
    port = free_port()
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, ready), daemon=True)
    sink.start()
    ready.wait(30)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                db_url=f"surrealkv://{Path(tmp) / 'exec.db'}",
                data_dir=Path(tmp) / "data",
                smtp_url=f"smtp://127.0.0.1:{port}",
                postal_address="1 Main Street",
                from_email="news@shop.example",
                send_concurrency=concurrency,
                secret_key="bench",  # type: ignore[arg-type]
            )
            async with fresh_db(Path(tmp), "exec.db") as db:
                key = await prepare(db, settings, count)
                dry = await executor.run(db, key, settings, executor.Options(dry_run=True))
                messages = [p.read_bytes() for p in Path(dry.outbox or "").glob("*.eml")]
                cpu = time.process_time()
                bare = await bare_loop(messages, port, concurrency)
                bare_cpu_ms = (time.process_time() - cpu) * 1000 / len(messages)
                start, cpu, python = time.perf_counter(), time.process_time(), time.thread_time()
                sink_cpu = _cpu_of(sink.pid)
                result = await executor.run(db, key, settings)
                elapsed = time.perf_counter() - start
                # This process runs the executor and the embedded database (the sink has its
                # own): CPU per message is steadier than wall time on a shared machine.
                cpu_ms = (time.process_time() - cpu) * 1000 / count
                python_ms = (time.thread_time() - python) * 1000 / count
                sink_ms = (_cpu_of(sink.pid) - sink_cpu) * 1000 / count
                assert result.sent == count, result.as_dict()
            executed = count / elapsed
    finally:
        sink.terminate()
    return {
        "contacts": count,
        "concurrency": concurrency,
        "claim_group": settings.send_claim_group,
        "executor_msgs_per_s": executed,
        "bare_aiosmtplib_msgs_per_s": bare,
        "ratio": executed / bare,
        "executor_cpu_ms_per_msg": cpu_ms,
        "of_which_python_thread_ms": python_ms,
        "of_which_engine_threads_ms": cpu_ms - python_ms,
        "sink_cpu_ms_per_msg": sink_ms,
        "bare_cpu_ms_per_msg": bare_cpu_ms,
        "message_bytes": sum(map(len, messages)) / len(messages),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    report(
        "campaign executor vs bare aiosmtplib", asyncio.run(bench(args.contacts, args.concurrency))
    )


if __name__ == "__main__":
    main()
