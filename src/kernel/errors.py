"""One hierarchy of expected failures; adapters map them to exit codes and HTTP statuses.

    CRMError                      (status 400)
     ├── NotFound                 (404)
     ├── Conflict                 (409)  unique email/domain, duplicate record
     ├── ValidationFailed         (422)  bad input, invalid state transition
     ├── Forbidden                (403)
     ├── RateLimited              (429)
     ├── LLMError                 (502)  the model failed or gave unusable output
     └── DatabaseError            (503)
          └── DatabaseLocked      (503)  another process holds the embedded database file

Third-party errors (SurrealDB, litellm, httpx) are mapped to these at the edge where they are
raised, so callers never catch a library's exception type.
"""

from __future__ import annotations

from typing import Any


class CRMError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(CRMError):
    status = 404
    code = "not_found"


class Conflict(CRMError):
    status = 409
    code = "conflict"


class ValidationFailed(CRMError):
    status = 422
    code = "validation_failed"


class Unauthorized(CRMError):
    status = 401
    code = "unauthorized"


class Forbidden(CRMError):
    status = 403
    code = "forbidden"


class RateLimited(CRMError):
    status = 429
    code = "rate_limited"


class LLMError(CRMError):
    status = 502
    code = "llm_error"


class DatabaseError(CRMError):
    status = 503
    code = "database_error"


class DatabaseLocked(DatabaseError):
    code = "database_locked"
