"""A real SMTP server for campaign tests, and settings that send to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from smtp_sink import Sink, free_port

from crm.settings import Settings


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def send_settings(smtp_sink: Sink) -> Settings:
    return Settings(
        db_url="mem://",
        smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        postal_address="1 Main Street, Springfield",
        secret_key="test-secret",  # type: ignore[arg-type]
        from_email="news@shop.example",
        sender_name="Shop",
        email_frequency_hours=24,
    )


@pytest.fixture
def outbox_settings() -> Settings:
    return Settings(db_url="mem://", secret_key="test-secret")  # type: ignore[arg-type]
