"""What the gateway asks litellm about a model: loading it, structured-output support, context
window, price, rate-limit headers. litellm is imported on first use only (`load_litellm`), so
commands that never talk to a model do not pay its import time."""

from __future__ import annotations

import os
from functools import cache
from types import ModuleType
from typing import Any

# Model strings served by the embedded provider in `llm_tools.local`.
LOCAL_PREFIX = "local/"
# Used when litellm does not know the model's context window.
DEFAULT_CONTEXT_WINDOW = 8192


def is_local(model: str) -> bool:
    return model.startswith(LOCAL_PREFIX)


@cache
def load_litellm() -> ModuleType:
    """Import and configure litellm once: offline cost map, quiet, local provider registered."""
    # Read by litellm at import: use the bundled cost map instead of fetching it.
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    from llm_tools import local

    litellm.suppress_debug_info = True
    local.register(litellm)
    return litellm


def keyless_server_key(model: str, api_base: str | None) -> str | None:
    """A stand-in key for self-hosted OpenAI-compatible servers that need none.

    The OpenAI client refuses to send a request without some key; local servers (vLLM,
    llama.cpp, LM Studio) ignore it. A real OPENAI_API_KEY in the environment still wins.
    """
    if api_base and model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
        return "no-key"
    return None


def response_format(model: str, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The strongest structured-output mode the model supports, for a JSON schema."""
    if is_local(model):
        # llama.cpp compiles the schema into a grammar: output is valid JSON by construction.
        return {"type": "json_object", "schema": schema}
    litellm = load_litellm()
    try:
        if litellm.supports_response_schema(model=model):
            return {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": False},
            }
        supported = litellm.get_supported_openai_params(model=model) or []
    except Exception:  # litellm raises for providers it cannot resolve
        return None
    return {"type": "json_object"} if "response_format" in supported else None


def context_window(model: str) -> int:
    if is_local(model):
        from llm_tools import local

        return local.CONTEXT_WINDOW
    try:
        info = load_litellm().get_model_info(model)
    except Exception:  # litellm raises for models missing from its map
        return DEFAULT_CONTEXT_WINDOW
    window = info.get("max_input_tokens") or info.get("max_tokens")
    return int(window) if window else DEFAULT_CONTEXT_WINDOW


def cost(model: str, response: Any) -> float | None:
    """USD for one response; None when the price is unknown (never a made-up zero)."""
    if is_local(model):
        return 0.0
    try:
        return float(load_litellm().completion_cost(completion_response=response, model=model))
    except Exception:  # unmapped model: the price is unknown, not zero
        return None


def rate_headers(response: Any) -> dict[str, str]:
    hidden = getattr(response, "_hidden_params", None) or {}
    raw = hidden.get("additional_headers") or {}
    return {str(k).lower().removeprefix("llm_provider-"): str(v) for k, v in raw.items()}
