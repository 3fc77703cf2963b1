"""Every failure as `{"error": {"code", "message", "details"}}` with the matching status.

`kernel.errors.CRMError` subclasses carry their own status and code; FastAPI's request
validation becomes 422 in the same shape; an unexpected exception is logged and answered 500
without internals.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kernel.errors import CRMError, RateLimited, Unauthorized
from kernel.logs import get_logger

log = get_logger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(error_body(code, message, details)), status_code=status, headers=headers
    )


async def _crm_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CRMError)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited) and "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    if exc.status >= 500:
        log.warning("api.service_error", code=exc.code, path=request.url.path)
    return error_response(exc.status, exc.code, exc.message, exc.details, headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        item = {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
        errors.append(item)
    return errors


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    first = errors[0] if errors else {"loc": [], "msg": "invalid input"}
    where = ".".join(str(p) for p in first["loc"] if p != "body")
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return error_response(422, "validation_failed", message, {"errors": errors})


_PARAM = re.compile(r"\{[^/}]+\}")


def _template_regex(template: str) -> str:
    return "[^/]+".join(re.escape(part) for part in _PARAM.split(template))


def _allowed_methods(request: Request) -> str:
    """The methods the API documents for this path (its most specific template: `/contacts/
    import` rather than `/contacts/{ref}`). FastAPI makes one route per method, so
    Starlette's own `Allow` names only the first route's."""
    matching = [
        (template.count("{"), operations)
        for template, operations in request.app.openapi()["paths"].items()
        if re.fullmatch(_template_regex(template), request.url.path)
    ]
    methods = {"OPTIONS"}
    if matching:
        methods |= {m.upper() for m in min(matching, key=lambda found: found[0])[1]}
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = _allowed_methods(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    message = exc.detail if isinstance(exc.detail, str) else phrase
    return error_response(status, _CODES.get(status, "error"), message, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("api.unexpected_error", path=request.url.path, error=type(exc).__name__)
    return error_response(500, "internal_error", "Something went wrong on our side.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(CRMError, _crm_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
