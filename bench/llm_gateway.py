"""Gateway benchmark against a local fake OpenAI-compatible server, plus local-model speed.

    python bench/llm_gateway.py [--rpm 240] [--calls 200] [--latency-ms 50]

1. Throughput: `--calls` structured calls through a gateway configured with the server's RPM.
   The server enforces that RPM (token bucket, one second of burst) and answers 429 with
   Retry-After / retry-after-ms. Reported: achieved calls/minute as a fraction of the limit,
   failed calls, 429s the server sent.
2. Overhead: the same request sequentially through the gateway (cache off, no limits) and as a
   bare httpx POST, against an unlimited route of the same server in the same run.
3. Local model: one engagement summary by local/smollm2; completion tokens per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, Field

from llm_tools.engagement_summary import EngagementIn, TimelineEvent, summarize_engagement
from llm_tools.gateway import Gateway
from llm_tools.inputs import CompanyProfile, ContactProfile
from llm_tools.memory import InMemoryCallStore
from llm_tools.provider import load_litellm


class Ping(BaseModel):
    answer: str = Field(description="The word 'pong'.")


ANSWER = json.dumps({"answer": "pong"})


@dataclass
class FakeServer:
    """OpenAI-compatible chat completions over raw HTTP/1.1 with keep-alive."""

    rpm: int
    latency_s: float
    served: int = 0
    rejected: int = 0
    _level: float = 0.0
    _updated: float = field(default_factory=time.monotonic)
    _connections: set[asyncio.StreamWriter] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._capacity = max(1.0, self.rpm / 60)
        self._level = self._capacity

    def _admit(self) -> float | None:
        """None if admitted, else seconds until a request would be."""
        now = time.monotonic()
        rate = self.rpm / 60
        self._level = min(self._capacity, self._level + (now - self._updated) * rate)
        self._updated = now
        if self._level >= 1:
            self._level -= 1
            return None
        return (1 - self._level) / rate

    async def respond(self, path: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path.startswith("/limited/"):
            wait = self._admit()
            if wait is not None:
                self.rejected += 1
                headers = {
                    "Retry-After": str(math.ceil(wait)),
                    "retry-after-ms": f"{wait * 1000:.0f}",
                }
                return (
                    429,
                    {"error": {"message": "Rate limit reached", "type": "rate_limit"}},
                    headers,
                )
        await asyncio.sleep(self.latency_s)
        self.served += 1
        body = {
            "id": f"chatcmpl-{self.served}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "bench-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": ANSWER},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 60, "completion_tokens": 6, "total_tokens": 66},
        }
        return 200, body, {}

    def hang_up(self) -> None:
        """Close idle keep-alive connections so their handlers end before the loop does."""
        for writer in self._connections:
            writer.close()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while request_line := await reader.readline():
                _, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, value = line.decode().split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get("content-length", "0")))
                status, payload, extra = await self.respond(path)
                data = json.dumps(payload).encode()
                head = [
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Too Many Requests'}",
                    "Content-Type: application/json",
                    f"Content-Length: {len(data)}",
                ]
                head += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()


async def throughput(base: str, rpm: int, calls: int) -> dict[str, Any]:
    store = InMemoryCallStore()
    gateway = Gateway(
        model="openai/bench-model",
        api_base=f"{base}/limited/v1",
        api_key="bench",
        store=store,
        rpm=rpm,
        concurrency=8,
        cache=False,
    )
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            gateway.generate(Ping, tool="bench", prompt=f"ping {i}", max_tokens=20)
            for i in range(calls)
        ),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    failed = sum(isinstance(r, BaseException) for r in results)
    achieved_rpm = (calls - failed) / elapsed * 60
    return {
        "calls": calls,
        "failed": failed,
        "seconds": round(elapsed, 2),
        "achieved_rpm": round(achieved_rpm, 1),
        "server_rpm": rpm,
        "fraction_of_limit": round(achieved_rpm / rpm, 3),
    }


async def overhead(base: str, calls: int) -> dict[str, Any]:
    gateway = Gateway(
        model="openai/bench-model",
        api_base=f"{base}/open/v1",
        api_key="bench",
        store=InMemoryCallStore(),
        concurrency=0,
        cache=False,
    )
    await gateway.generate(Ping, tool="bench", prompt="warm up", max_tokens=20)
    via_gateway = []
    for i in range(calls):
        started = time.perf_counter()
        await gateway.generate(Ping, tool="bench", prompt=f"ping {i}", max_tokens=20)
        via_gateway.append(time.perf_counter() - started)

    body = {
        "model": "bench-model",
        "max_tokens": 20,
        "messages": [{"role": "user", "content": "ping"}],
    }
    bare = []
    async with httpx.AsyncClient(base_url=f"{base}/open/v1") as client:
        await client.post("/chat/completions", json=body)
        for _ in range(calls):
            started = time.perf_counter()
            response = await client.post("/chat/completions", json=body)
            Ping.model_validate_json(response.json()["choices"][0]["message"]["content"])
            bare.append(time.perf_counter() - started)
    gateway_ms = statistics.median(via_gateway) * 1000
    bare_ms = statistics.median(bare) * 1000
    return {
        "calls": calls,
        "gateway_median_ms": round(gateway_ms, 2),
        "bare_httpx_median_ms": round(bare_ms, 2),
        "overhead_ms": round(gateway_ms - bare_ms, 2),
    }


async def local_model() -> dict[str, Any]:
    store = InMemoryCallStore()
    gateway = Gateway(model="local/smollm2", store=store, cache=False)
    inp = EngagementIn(
        contact=ContactProfile(first_name="Ada", title="Head of Sales", company="Initech"),
        company=CompanyProfile(name="Initech", industry="Software"),
        timeline=[
            TimelineEvent(at=datetime(2025, 3, 1), kind="form_submitted", detail="demo request")
        ],
    )
    await summarize_engagement(inp, gateway=gateway)  # loads the model
    store.calls.clear()
    await summarize_engagement(
        inp.model_copy(update={"timeline": inp.timeline * 2}), gateway=gateway
    )
    tokens_out = sum(c.tokens_out for c in store.calls)
    seconds = sum(c.latency_ms for c in store.calls) / 1000
    return {
        "attempts": len(store.calls),
        "tokens_in": sum(c.tokens_in for c in store.calls),
        "tokens_out": tokens_out,
        "seconds": round(seconds, 2),
        "tokens_per_s": round(tokens_out / seconds, 1),
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        f"{section:<12} {key:<22} {value}"
        for section, values in results.items()
        for key, value in values.items()
    ]
    return "\n".join([f"{'section':<12} {'metric':<22} value", "-" * 48, *rows])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpm", type=int, default=240)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--overhead-calls", type=int, default=100)
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()

    # Per-call info logs would drown the report; retries still show as warnings on stderr.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    load_litellm()  # import time is not part of any measurement
    server = FakeServer(rpm=args.rpm, latency_s=args.latency_ms / 1000)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    async with listener:
        results = {"throughput": await throughput(base, args.rpm, args.calls)}
        results["throughput"]["server_429s"] = server.rejected
        results["overhead"] = await overhead(base, args.overhead_calls)
        server.hang_up()
        await asyncio.sleep(0.1)
    if not args.skip_local:
        results["local_model"] = await local_model()
    print(table(results))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
