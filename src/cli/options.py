"""Options several commands share, and turning option values into a validated request."""

from __future__ import annotations

from typing import Any

import typer

from cli.output import fail

FIELD_OPTION = typer.Option(None, "--field", help="Custom field as KEY=VALUE (repeatable).")
TAG_OPTION = typer.Option(None, "--tag", help="Tag (repeatable).")


def parse_fields(items: list[str] | None) -> dict[str, Any] | None:
    if not items:
        return None
    from crm.normalize import coerce_scalar

    fields: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise fail(f"--field takes KEY=VALUE, got {item!r}")
        fields[key.strip()] = coerce_scalar(value)
    return fields


def validated(model: type[Any], **data: Any) -> Any:
    """Build a pydantic model from options; a bad value is one red line, not a traceback."""
    from pydantic import ValidationError

    try:
        return model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise fail(reasons) from None
