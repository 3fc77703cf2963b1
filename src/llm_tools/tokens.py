"""Token counting before a call, offline.

tiktoken downloads its BPE files from the internet on first use. litellm ships the
cl100k_base and o200k_base files inside its wheel, so we point tiktoken at that directory for
the one load (without importing litellm, which is slow). If neither the user's
TIKTOKEN_CACHE_DIR nor the bundled directory holds the file, counting falls back to a
conservative character estimate instead of touching the network.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from kernel.logs import get_logger

if TYPE_CHECKING:
    import tiktoken

log = get_logger(__name__)

_BPE_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
DEFAULT_ENCODING = "cl100k_base"
# English prose averages about four characters per token; three over-counts on purpose.
CHARS_PER_TOKEN_ESTIMATE = 3
# Chat formats wrap each message in a few role/separator tokens.
TOKENS_PER_MESSAGE = 4


def _bundled_dir() -> Path | None:
    spec = find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"


@contextmanager
def _cache_dir(path: Path) -> Iterator[None]:
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def _cached_file(name: str) -> Path | None:
    """Where tiktoken's cache file for `name` sits offline, if anywhere."""
    key = hashlib.sha1(_BPE_URL.format(name=name).encode()).hexdigest()  # noqa: S324 - tiktoken's cache key
    candidates = [os.environ.get("TIKTOKEN_CACHE_DIR"), _bundled_dir()]
    for directory in candidates:
        if directory and (Path(directory) / key).is_file():
            return Path(directory) / key
    return None


@cache
def load_encoding(name: str) -> tiktoken.Encoding | None:
    """The named encoding if it can be loaded without a download, else None."""
    import tiktoken

    path = _cached_file(name)
    if path is None:
        log.warning("llm_tools.tokenizer_fallback", encoding=name, reason="bpe_file_not_offline")
        return None
    with _cache_dir(path.parent):
        return tiktoken.get_encoding(name)


def encoding_name(model: str) -> str:
    import tiktoken

    try:
        return tiktoken.encoding_name_for_model(model.rsplit("/", 1)[-1])
    except KeyError:
        return DEFAULT_ENCODING


def count_text(text: str, model: str) -> int:
    encoding = load_encoding(encoding_name(model)) or load_encoding(DEFAULT_ENCODING)
    if encoding is None:
        return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)
    return len(encoding.encode(text, disallowed_special=()))


def count_messages(messages: Sequence[dict[str, str]], model: str) -> int:
    return sum(count_text(m["content"], model) + TOKENS_PER_MESSAGE for m in messages)
