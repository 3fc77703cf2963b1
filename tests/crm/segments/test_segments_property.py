"""The compiled SurrealQL selects exactly the contacts a plain-Python reading of the rule does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from segments_oracle import evaluate

from crm.db import Database, plain, record
from crm.segments.rules import bind_rule, compile_rule

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
COMPANIES: list[dict[str, Any]] = [
    {
        "key": "acme",
        "name": "Acme Corp",
        "name_key": "acme corp",
        "size": 50,
        "custom": {"tier": "gold"},
    },
    {"key": "tiny", "name": "Tiny", "name_key": "tiny", "custom": {}},
]
# How the rules name campaigns (by name or id) -> their keys, as the service looks them up.
CAMPAIGNS = {"Spring launch": ("k1",), "k2": ("k2",), "Autumn": ("k3",)}
campaign_keys = st.lists(st.sampled_from(["k1", "k2", "k3"]), unique=True, max_size=2)
TEXT = ["DE", "AT", "Head of Sales", "ärztin", "ΟΔΟΣ", "vip", "pro", 'o\'neil "x"', ""]

contacts = st.fixed_dictionaries(
    {
        "country": st.sampled_from(["DE", "AT", "FR", None]),
        "tags": st.lists(st.sampled_from(["vip", "lead", "x"]), unique=True, max_size=3),
        "status": st.sampled_from(["new", "engaged", "unsubscribed"]),
        "title": st.sampled_from([None, "Head of Sales", "CEO", "Ärztin", "ΟΔΟΣ"]),
        "plan": st.sampled_from([None, "pro", "Pro plan", "free", 1, 2.5, True, False]),
        "seats": st.one_of(st.none(), st.integers(-5, 100), st.floats(-5, 100), st.just("ten")),
        "company": st.sampled_from([None, "acme", "tiny"]),
        "age_days": st.integers(0, 400),
        # None: never updated, so no update time is stored (crm.contacts.service.new_row).
        "updated_days": st.one_of(st.none(), st.integers(0, 400)),
        "consent_explicit": st.booleans(),
        "seniority": st.sampled_from([None, "head", "c_level"]),
        "opens": st.integers(0, 3),
        "engagement_score": st.sampled_from([0.0, 0.5, 3.0, 12.25]),
        "engaged_days": st.one_of(st.none(), st.integers(0, 60)),
        "opened_days": st.one_of(st.none(), st.integers(0, 60)),
        "clicked_days": st.one_of(st.none(), st.integers(0, 60)),
        "opened_campaigns": campaign_keys,
        "clicked_campaigns": campaign_keys,
    }
)

values = st.one_of(st.sampled_from(TEXT), st.integers(-5, 100), st.booleans(), st.just(2.5))


verbs = st.sampled_from(["opened", "clicked", "submitted"])
campaign_facts = st.builds(
    lambda verb, name: {"event": verb, "campaign": name}, verbs, st.sampled_from(list(CAMPAIGNS))
)


def leaf() -> st.SearchStrategy[dict[str, Any]]:
    def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
        return {"field": field, "op": op} | ({} if value is None else {"value": value})

    texts = st.sampled_from(["DE", "AT", "FR", "Germany", "austria"])
    tags = st.sampled_from(["vip", "lead", "VIP", "none"])
    tag_lists = st.lists(tags, min_size=1, max_size=3)
    return st.one_of(
        st.builds(cond, st.just("country"), st.sampled_from(["=", "!="]), texts),
        st.builds(
            cond,
            st.just("country"),
            st.sampled_from(["in", "not in"]),
            st.lists(texts, min_size=1, max_size=3),
        ),
        st.builds(
            cond,
            st.sampled_from(
                [
                    "country",
                    "title",
                    "tags",
                    "company",
                    "seniority",
                    "custom.plan",
                    "company.size",
                    "company.custom.tier",
                ]
            ),
            st.sampled_from(["exists", "not exists"]),
        ),
        st.builds(cond, st.just("tags"), st.sampled_from(["contains", "not contains"]), tags),
        st.builds(
            cond,
            st.just("tags"),
            st.sampled_from(
                ["contains any", "contains all", "not contains any", "not contains all"]
            ),
            tag_lists,
        ),
        st.builds(
            cond,
            st.just("status"),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["new", "unsubscribed"]),
        ),
        st.builds(
            cond,
            st.sampled_from(["title", "custom.plan", "company", "company.custom.tier"]),
            st.sampled_from(["~", "!~"]),
            st.sampled_from(["head", "ÄRZ", "οδ", "pro", "acme", "gol"]),
        ),
        st.builds(
            cond,
            st.just("custom.plan"),
            st.sampled_from(["=", "!=", "in", "not in"]),
            st.one_of(values, st.lists(values, min_size=1, max_size=3)),
        ).filter(lambda c: isinstance(c["value"], list) == ("in" in c["op"])),
        st.builds(
            cond,
            st.just("custom.seats"),
            st.sampled_from(["<", "<=", ">", ">=", "=", "!="]),
            st.one_of(st.integers(-5, 100), st.just(2.5)),
        ),
        st.builds(
            cond,
            st.just("company.size"),
            st.sampled_from(["<", "<=", ">", ">=", "=", "!="]),
            st.sampled_from([10, 50, 51]),
        ),
        st.builds(
            cond,
            st.just("company.name"),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["acme corp", "ACME  Corp", "Tiny"]),
        ),
        st.builds(
            cond,
            st.just("created"),
            st.sampled_from(["<", ">="]),
            st.sampled_from([{"ago": "30d"}, {"ago": "1y"}, {"date": "2025-01-01"}]),
        ),
        st.builds(cond, st.just("created"), st.just("within"), st.sampled_from(["60d", "2w"])),
        st.builds(
            cond,
            st.just("updated"),
            st.sampled_from(["<", ">="]),
            st.sampled_from([{"ago": "30d"}, {"ago": "1y"}, {"date": "2025-01-01"}]),
        ),
        st.builds(cond, st.just("updated"), st.just("within"), st.just("60d")),
        st.builds(cond, st.just("updated"), st.sampled_from(["exists", "not exists"])),
        st.builds(
            cond,
            st.sampled_from(["opens", "engagement_score"]),
            st.sampled_from(["<", "<=", ">", ">=", "=", "!="]),
            st.sampled_from([0, 1, 3, 0.5]),
        ),
        st.builds(
            cond,
            st.just("last_engaged"),
            st.sampled_from(["<", ">="]),
            st.sampled_from([{"ago": "14d"}, {"ago": "1mo"}]),
        ),
        st.builds(cond, st.just("last_engaged"), st.just("within"), st.sampled_from(["7d", "2w"])),
        st.builds(cond, st.just("last_engaged"), st.sampled_from(["exists", "not exists"])),
        st.builds(
            lambda verb, within: {"event": verb} | ({"within": within} if within else {}),
            st.sampled_from(["opened", "clicked", "submitted"]),
            st.sampled_from([None, "14d", "1w"]),
        ),
        campaign_facts,
        st.builds(cond, st.just("consent_explicit"), st.sampled_from(["=", "!="]), st.booleans()),
        st.builds(
            cond,
            st.just("seniority"),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["head", "c_level"]),
        ),
    )


def combined(leaves: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda x: {"not": x}, inner),
        ),
        max_leaves=6,
    )


rules = combined(leaf())
# Campaign facts are one leaf among many in `rules`; here they meet other engagement facts often.
engagement_rules = combined(
    st.one_of(
        campaign_facts,
        st.builds(lambda verb: {"event": verb}, verbs),
        st.builds(lambda verb: {"event": verb, "within": "14d"}, verbs),
    )
)


def as_text(rule: dict[str, Any]) -> str:
    """The same rule in the text language."""
    if "all" in rule or "any" in rule:
        joiner = " and " if "all" in rule else " or "
        return "(" + joiner.join(as_text(r) for r in rule["all" if "all" in rule else "any"]) + ")"
    if "not" in rule:
        return f"not {as_text(rule['not'])}"
    if "event" in rule:
        if "campaign" in rule:
            return f"{rule['event']} campaign {json.dumps(rule['campaign'])}"
        return f"{rule['event']} within {rule['within']}" if "within" in rule else rule["event"]
    value = rule.get("value")
    if rule["op"] == "within":
        literal = value
    elif isinstance(value, dict) and "ago" in value:
        literal = f"{value['ago']} ago"
    elif isinstance(value, dict):
        literal = value["date"]
    elif isinstance(value, list):
        literal = "[" + ", ".join(json.dumps(v) for v in value) + "]"
    else:
        literal = "" if value is None else json.dumps(value, ensure_ascii=False)
    return f"{rule['field']} {rule['op']} {literal}".strip()


async def load(db: Database, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    await db.query("DELETE contact; DELETE company;")
    await db.query(
        "INSERT INTO company $rows RETURN NONE",
        {
            "rows": [
                {k: v for k, v in c.items() if k != "key"} | {"id": record("company", c["key"])}
                for c in COMPANIES
            ]
        },
    )
    rows = []
    for n, p in enumerate(people):
        custom = {k: p[k] for k in ("plan", "seats") if p[k] is not None}
        row: dict[str, Any] = {
            "id": record("contact", f"c{n:03d}"),
            "email": f"p{n}@example.com",
            "email_key": f"p{n}@example.com",
            "tags": p["tags"],
            "status": p["status"],
            "custom": custom,
            "created_at": NOW - timedelta(days=p["age_days"]),
            "consent_explicit": p["consent_explicit"],
            "opens": p["opens"],
            "engagement_score": p["engagement_score"],
            "opened_campaigns": p["opened_campaigns"],
            "clicked_campaigns": p["clicked_campaigns"],
        }
        if n % 2:
            # Contacts written since migration 0019 store no empty counts, lists or flags;
            # older ones hold 0, [] and false. Rules read both alike.
            row = {k: v for k, v in row.items() if v not in (0, [], False) or k == "tags"}
        for verb in ("engaged", "opened", "clicked"):
            if p[f"{verb}_days"] is not None:
                row[f"last_{verb}_at"] = NOW - timedelta(days=p[f"{verb}_days"])
        for key in ("country", "title", "seniority"):
            if p[key] is not None:
                row[key] = p[key]
        if p["updated_days"] is not None:
            row["updated_at"] = NOW - timedelta(days=p["updated_days"])
        if p["company"]:
            row["company"] = record("company", p["company"])
        rows.append(row)
    await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})
    return [dict(plain(r)) for r in await db.one("SELECT *, company.* AS company FROM contact")]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(contacts, min_size=1, max_size=12),
    batch=st.lists(st.one_of(rules, engagement_rules), min_size=1, max_size=4),
)
async def test_database_and_python_agree(
    db: Database, people: list[dict[str, Any]], batch: list[dict[str, Any]]
) -> None:
    stored = await load(db, people)
    agreed = {c["id"]: c.get("consent_explicit", False) for c in stored}
    for rule in batch:
        bound = bind_rule(rule, now=NOW, campaigns=CAMPAIGNS)
        expected = sorted(c["id"] for c in stored if evaluate(bound, c))
        for form in (rule, as_text(rule)):
            sql, params = compile_rule(form, now=NOW, campaigns=CAMPAIGNS)
            found = await db.one(f"SELECT VALUE record::id(id) FROM contact WHERE {sql}", params)
            assert sorted(found) == expected, (form, sql, params)
            count = await db.one(f"RETURN count(SELECT VALUE id FROM contact WHERE {sql})", params)
            assert count == len(expected)
            # Callers splice the rule bare after their own filters (no parentheses added).
            consented = await db.one(
                f"SELECT VALUE record::id(id) FROM contact WHERE consent_explicit AND {sql}",
                params,
            )
            assert sorted(consented) == [c for c in expected if agreed[c]], (form, sql)
