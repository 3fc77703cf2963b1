"""Token counting works offline and never downloads a BPE file."""

from __future__ import annotations

import math

import pytest
import tiktoken.load

from llm_tools import tokens


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)


def test_counts_with_the_bundled_bpe_files() -> None:
    tokens.load_encoding.cache_clear()

    assert tokens.count_text("hello world", "gpt-4o-mini") == 2  # o200k_base
    assert tokens.count_text("hello world", "local/smollm2") == 2  # cl100k_base fallback
    assert tokens.count_messages([{"role": "user", "content": "hello world"}], "gpt-4") == 6


def test_estimates_from_characters_when_no_bpe_file_is_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_cached_file", lambda name: None)
    tokens.load_encoding.cache_clear()
    try:
        text = "a fairly ordinary English sentence."
        assert tokens.count_text(text, "gpt-4o-mini") == math.ceil(len(text) / 3)
    finally:
        tokens.load_encoding.cache_clear()
