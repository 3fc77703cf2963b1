"""crm.wire: the C codec writes what the SDK's codec writes and reads what it reads (record ids
crossing to the SDK's type as they do for a server, crm.remote)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st
from surrealdb.data import cbor as sdk
from surrealdb.data.types.duration import Duration

from crm import wire
from crm.db import Database, connect, record
from crm.wire import RecordID, from_sdk, to_sdk
from kernel.settings import Settings

keys = st.text(max_size=8)
record_ids = st.builds(RecordID, st.sampled_from(["contact", "delivery"]), keys)
times = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | times
    | record_ids
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
)
values = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4)
)


def _query(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": "1", "method": "query", "params": [sql, params]}


def _sdk_request(sql: str, params: dict[str, Any]) -> Any:
    return sdk.decode(sdk.encode(to_sdk(_query(sql, params))))


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(keys, values, max_size=4))
def test_a_query_reads_back_as_the_sdk_writes_it(params: dict[str, Any]) -> None:
    mine = sdk.decode(wire.encode(_query("SELECT 1", params)))

    assert mine["method"] == "query"
    assert mine["params"] == _sdk_request("SELECT 1", params)["params"]


def test_none_is_written_as_the_engine_none_not_null() -> None:
    encoded = wire.encode(_query("RETURN $x", {"x": None}))

    assert cbor2.loads(encoded)["params"][1] == {"x": cbor2.CBORTag(6, None)}


def test_a_value_only_the_sdk_knows_goes_through_the_sdk_codec() -> None:
    params = {"d": Duration.parse("90s"), "id": RecordID("contact", "k1")}

    assert (
        sdk.decode(wire.encode(_query("RETURN $d", params)))["params"]
        == _sdk_request("RETURN $d", params)["params"]
    )


engine_leaves = (
    leaves.filter(lambda v: not isinstance(v, RecordID | Decimal | datetime))
    | st.builds(lambda t, k: cbor2.CBORTag(8, [t, k]), st.sampled_from(["contact", "x"]), keys)
    | st.just(cbor2.CBORTag(6, None))
    | st.builds(
        lambda s, ns: cbor2.CBORTag(12, [s, ns]),
        st.integers(0, 2**33),
        st.integers(0, 999_999_999),
    )
    | st.builds(lambda s: cbor2.CBORTag(10, s), st.sampled_from(["1.5", "-0.001", "12"]))
    | st.builds(lambda s: cbor2.CBORTag(14, [s, 5]), st.integers(0, 10**6))
)
engine_values = st.recursive(
    engine_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(result=engine_values)
def test_an_engine_response_decodes_as_the_sdk_decodes_it(result: Any) -> None:
    data = cbor2.dumps({"result": [{"status": "OK", "result": result}]})

    assert wire.decode(data) == from_sdk(sdk.decode(data))


async def test_values_round_trip_through_the_embedded_engine() -> None:
    at = datetime(2026, 11, 23, 14, 5, 6, 789123, tzinfo=UTC)
    async with connect(Settings(db_url="mem://")) as db:
        assert isinstance(db, Database)
        rows = await db.one(
            "RETURN {none: $none, at: $at, later: $at + 1h, id: $id, n: $n, list: [$none, 1]}",
            {"none": None, "at": at, "id": record("contact", "k1"), "n": Decimal("2.50")},
        )

    assert rows == {
        "none": None,
        "at": at,
        "later": at + timedelta(hours=1),
        "id": RecordID("contact", "k1"),
        "n": Decimal("2.50"),
        "list": [None, 1],
    }


@settings(max_examples=100, deadline=None)
@given(value=values)
def test_a_value_encoded_ahead_is_sent_as_the_value_itself(value: Any) -> None:
    ahead = wire.encoded_ahead(value)

    assert wire.encode(_query("RETURN $v", {"v": ahead})) == wire.encode(
        _query("RETURN $v", {"v": value})
    )
    # and through the SDK's codec, as for a server (crm.remote)
    assert (
        sdk.decode(sdk.encode(to_sdk({"v": ahead})))
        == _sdk_request("RETURN $v", {"v": value})["params"][1]
    )


async def test_rows_encoded_ahead_are_stored_as_given() -> None:
    at = datetime(2026, 11, 23, 14, 5, 6, 789123, tzinfo=UTC)
    rows = [{"id": record("contact", "k1"), "at": at, "n": 1}, {"id": record("contact", "k2")}]
    async with connect(Settings(db_url="mem://")) as db:
        await db.query("INSERT INTO contact $rows", {"rows": wire.encoded_ahead(rows)})

        assert await db.one("SELECT * FROM contact ORDER BY id") == rows
