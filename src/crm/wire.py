"""Queries to the embedded engine, encoded and decoded by cbor2's C codec.

The SDK speaks to the embedded engine in CBOR with SurrealDB's tags (NONE, record ids,
datetimes, …) through a pure-Python codec, which was most of the Python time of a query: a
large share of what an enrichment or a send costs. cbor2 in C, given the same tags, writes the
same bytes and reads the same values (tests/crm/test_wire.py) several times faster. A value
type only the SDK knows (its Table, Duration, geometry, …) is encoded by the SDK's codec;
servers reached over ws/http go through the SDK as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import cbor2
from surrealdb import RecordID
from surrealdb.connections.async_embedded import AsyncEmbeddedSurrealConnection
from surrealdb.data import cbor as sdk

Execute = Callable[[bytes], Awaitable[bytes]]

_NONE = b"\xc6\xf6"  # NONE is tag 6 around null; plain null would be NULL to the engine
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ids = itertools.count()


def _none(encoder: cbor2.CBOREncoder, _value: None) -> None:
    encoder.write(_NONE)


def _record_id(encoder: cbor2.CBOREncoder, value: RecordID) -> None:
    encoder.encode(cbor2.CBORTag(8, [value.table_name, value.id]))


def _decimal(encoder: cbor2.CBOREncoder, value: Decimal) -> None:
    encoder.encode(cbor2.CBORTag(10, str(value)))


def _unknown(_encoder: cbor2.CBOREncoder, value: Any) -> None:
    raise _SdkOnly(type(value).__name__)


class _SdkOnly(TypeError):
    """A value of a type only the SDK's codec knows how to write."""


_ENCODERS: dict[type, Callable[[cbor2.CBOREncoder, Any], None]] = {
    type(None): _none,
    RecordID: _record_id,
    Decimal: _decimal,
}


def _datetime(value: list[int], _immutable: bool) -> datetime:
    seconds, nanos = value
    return _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)


def _record(value: list[Any], _immutable: bool) -> RecordID:
    return RecordID(value[0], value[1])


_DECODERS: dict[int, Callable[[Any, bool], Any]] = {
    6: lambda _value, _immutable: None,
    8: _record,
    12: _datetime,
}


def _other_tag(tag: cbor2.CBORTag, _immutable: bool) -> Any:
    # Everything else as the SDK decodes it (it raises for tags it does not know).
    return sdk.tag_decoder(None, tag)  # type: ignore[arg-type]


def encode_query(sql: str, params: dict[str, Any]) -> bytes:
    request = {"id": str(next(_ids)), "method": "query", "params": [sql, params]}
    try:
        return cbor2.dumps(request, encoders=_ENCODERS, default=_unknown, timezone=UTC)
    except _SdkOnly:
        return sdk.encode(request)


def decode(data: bytes) -> Any:
    return cbor2.loads(data, semantic_decoders=_DECODERS, tag_hook=_other_tag)


def embedded_execute(conn: Any) -> Execute | None:
    """The embedded engine's `execute(cbor) -> cbor` behind an SDK connection; None for a
    connection to a server, or an SDK that no longer has one where this version keeps it."""
    if not isinstance(conn, AsyncEmbeddedSurrealConnection):
        return None
    execute: Execute | None = getattr(getattr(conn, "_db", None), "execute", None)
    return execute
