"""The embedded engine, spoken to in CBOR by cbor2's C codec, and the record ids it returns.

The embedded engine is SurrealDB 3's (`surrealdb-embedded`): at 100,000 contacts it opens a file
in 0.03 s, where SurrealDB 2's engine, which reads its whole log on open, took 1.0-1.3 s and
three times the memory (see docs/architecture.md). SurrealDB 2's engine, inside the SDK, stays
only to read files it wrote (crm.storage_upgrade). The SurrealDB SDK loads its whole HTTP and
WebSocket stack on import (aiohttp, requests: about 0.13 s, a third of an everyday command), and
its pure-Python CBOR codec was most of the Python time of a query. An embedded database needs
neither: this module speaks to the engine extension with cbor2 in C, given SurrealDB's tags
(NONE, record ids, datetimes, …): the same bytes and values as the SDK's codec
(tests/crm/test_wire.py), several times faster. A value type only the SDK knows (its Table,
Duration, geometry, …) is left to the SDK's codec, imported then. Servers reached over ws/http
go through the SDK (crm.remote).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import cbor2

_NONE = b"\xc6\xf6"  # NONE is tag 6 around null; plain null would be NULL to the engine
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ENGINE_MODULE = "surrealdb_embedded._ext"
_LEGACY_ENGINE_MODULE = "surrealdb._surrealdb_ext"
_ids = itertools.count()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RecordID:
    """A record id (`table:key`), as the engine returns and takes them."""

    table_name: str
    id: Any

    def __str__(self) -> str:
        return f"{self.table_name}:{self.id}"


@dataclass(frozen=True, slots=True)
class Encoded:
    """A parameter's value encoded ahead of its query (`encoded_ahead`), written as it is."""

    data: bytes


def _encoded(encoder: cbor2.CBOREncoder, value: Encoded) -> None:
    encoder.write(value.data)


def _none(encoder: cbor2.CBOREncoder, _value: None) -> None:
    encoder.write(_NONE)


# The tagged values are written as bytes: a CBORTag around a list made encoding 1,000 contacts
# (a record id and two times each) 1.5x slower.
def _record_id(encoder: cbor2.CBOREncoder, value: RecordID) -> None:
    encoder.write(b"\xc8\x82")  # tag 8 around an array of two: the table and the key
    encoder.encode(value.table_name)
    encoder.encode(value.id)


def _datetime_out(encoder: cbor2.CBOREncoder, value: datetime) -> None:
    # SurrealDB's compact form, seconds and nanoseconds since the epoch: written 2x faster than
    # cbor2's ISO text, and half the bytes. A naive time is taken as UTC.
    delta = (value if value.tzinfo else value.replace(tzinfo=UTC)) - _EPOCH
    encoder.write(b"\xcc\x82")  # tag 12 around an array of two
    encoder.encode_int(delta.days * 86_400 + delta.seconds)
    encoder.encode_int(delta.microseconds * 1000)


def _decimal(encoder: cbor2.CBOREncoder, value: Decimal) -> None:
    encoder.encode(cbor2.CBORTag(10, str(value)))


def _unknown(_encoder: cbor2.CBOREncoder, value: Any) -> None:
    raise _SdkOnly(type(value).__name__)


class _SdkOnly(TypeError):
    """A value of a type only the SDK's codec knows how to write."""


# cbor2 looks an encoder up by a value's exact type, then by subclass: given any encoders of
# its own, it finds the built-in types (str, dict, …) only by the slow second search, which
# made encoding 1,000 contacts 2x slower (6.2 ms instead of 3.1): they are named here too.
_ENCODERS: dict[type, Any] = {
    str: cbor2.CBOREncoder.encode_string,
    dict: cbor2.CBOREncoder.encode_map,
    list: cbor2.CBOREncoder.encode_array,
    int: cbor2.CBOREncoder.encode_int,
    bool: cbor2.CBOREncoder.encode_bool,
    float: cbor2.CBOREncoder.encode_float,
    type(None): _none,
    datetime: _datetime_out,
    RecordID: _record_id,
    Decimal: _decimal,
    Encoded: _encoded,
}


def _datetime(value: list[int], _immutable: bool) -> datetime:
    seconds, nanos = value
    return _EPOCH + timedelta(0, seconds, nanos // 1000)  # positional: 1.5x faster


def _record(value: list[Any], _immutable: bool) -> RecordID:
    return RecordID(value[0], value[1])


_DECODERS: dict[int, Any] = {6: lambda _value, _immutable: None, 8: _record, 12: _datetime}


def _other_tag(tag: cbor2.CBORTag, _immutable: bool) -> Any:
    # Everything else as the SDK decodes it (it raises for tags it does not know).
    from surrealdb.data import cbor as sdk

    return sdk.tag_decoder(None, tag)  # type: ignore[arg-type]


def _dumps(value: Any) -> bytes:
    """`value` in CBOR by cbor2; raises _SdkOnly for a value only the SDK's codec writes."""
    return cbor2.dumps(value, encoders=_ENCODERS, default=_unknown)


def encode(request: dict[str, Any]) -> bytes:
    try:
        return _dumps(request)
    except _SdkOnly:
        from surrealdb.data import cbor as sdk

        return sdk.encode(to_sdk(request))


def encoded_ahead(value: T) -> Encoded | T:
    """`value` as a query parameter, encoded now rather than when its query is sent (a batch
    encoded while the one before it is written keeps the engine busy); a value only the SDK's
    codec writes stays as it is."""
    try:
        return Encoded(_dumps(value))
    except _SdkOnly:
        return value


def decode(data: bytes) -> Any:
    return cbor2.loads(data, semantic_decoders=_DECODERS, tag_hook=_other_tag)


def _replace_records(value: Any, kind: type, swap: Callable[[Any], Any]) -> Any:
    """`value` with every record id of type `kind` in it (nested in dicts and lists) swapped.
    (crm.db.plain, on every row read, walks the same way inlined: measured a quarter faster.)"""
    if isinstance(value, kind):
        return swap(value)
    if isinstance(value, Encoded):  # back to values, for the SDK's codec
        return _replace_records(decode(value.data), kind, swap)
    if isinstance(value, dict):
        return {k: _replace_records(v, kind, swap) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_records(v, kind, swap) for v in value]
    return value


def to_sdk(value: Any) -> Any:
    """Record ids as the SDK's type, for its codec (the SDK is imported then)."""
    from surrealdb import RecordID as SdkRecordID

    return _replace_records(value, RecordID, lambda r: SdkRecordID(r.table_name, r.id))


def from_sdk(value: Any) -> Any:
    """The SDK's record ids as crm's."""
    from surrealdb import RecordID as SdkRecordID

    return _replace_records(value, SdkRecordID, lambda r: RecordID(r.table_name, r.id))


def _legacy_engine_module() -> ModuleType:
    """SurrealDB 2's engine extension, inside the SDK, loaded without the SDK package."""
    loaded = sys.modules.get(_LEGACY_ENGINE_MODULE)
    if loaded is not None:
        return loaded
    package = importlib.util.find_spec("surrealdb")
    folders = (package.submodule_search_locations or []) if package is not None else []
    for folder in folders:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"_surrealdb_ext{suffix}"
            spec = importlib.util.spec_from_file_location(_LEGACY_ENGINE_MODULE, path)
            if not path.is_file() or spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            sys.modules[_LEGACY_ENGINE_MODULE] = module
            spec.loader.exec_module(module)
            return module
    return importlib.import_module(_LEGACY_ENGINE_MODULE)  # through the SDK, wherever it keeps it


class EmbeddedEngine:
    """An embedded database (`mem://`, `surrealkv://…`), opened when constructed; `legacy`:
    with SurrealDB 2's engine, to read a file it wrote."""

    def __init__(self, url: str, *, legacy: bool = False) -> None:
        engine = _legacy_engine_module() if legacy else importlib.import_module(_ENGINE_MODULE)
        self._db = engine.AsyncEmbeddedDB(url)
        # SurrealDB 3 answers BEGIN and COMMIT with a result each, SurrealDB 2 with none;
        # crm.db.Database leaves them out so that a query returns one result per statement.
        self.answers_transaction_statements = not legacy

    async def call(self, method: str, params: list[Any]) -> dict[str, Any]:
        """One RPC call; the engine's response (`result`, or `error`)."""
        request = {"id": str(next(_ids)), "method": method, "params": params}
        response: dict[str, Any] = decode(await self._db.execute(encode(request)))
        return response

    async def query_raw(self, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.call("query", [sql, params])

    async def use(self, namespace: str, database: str) -> None:
        response = await self.call("use", [namespace, database])
        if response.get("error"):
            raise RuntimeError(str(response["error"].get("message", response["error"])))

    async def close(self) -> None:
        await self._db.close()
