"""Typed LLM tools: the only code that talks to a language model.

`gateway.Gateway` owns every call (retries, limits, budget, cache, records); each tool module
turns a pydantic input into a validated pydantic output through it. Importing this package
is cheap: litellm loads on the first call.
"""
