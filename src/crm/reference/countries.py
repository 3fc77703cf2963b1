"""Country names, ISO 3166-1 alpha-2 codes and common alpha-3 codes -> alpha-2 code.

Names come from the region names libphonenumber ships in about 20 languages ("Germany",
"Deutschland", "Allemagne" …); the aliases below add abbreviations and names people type that
it lacks.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

# Abbreviations, alpha-3 codes and names people type that libphonenumber lacks, in `_key` form
# and separated by |.
_ALIASES = {
    "GB": "u k|great britain|northern ireland|uk|britain|england|scotland|wales|gbr",
    "US": "u s|u s a|united states of america|usa|america",
    "AE": "uae|are",
    "CZ": "czechia|cze",
    "KR": "republic of korea|korea|kor",
    "CI": "ivory coast|civ",
    "MK": "north macedonia|mkd",
    "SZ": "eswatini|swz",
    "TR": "turkiye|tur",
    "NL": "the netherlands|holland|nld",
    "RU": "russian federation|rus",
    "VN": "viet nam|vnm",
    "CD": "dr congo|drc|cod",
    "CV": "cabo verde|cpv",
    "DE": "deu",
    "AT": "aut",
    "CH": "che",
    "FR": "fra",
    "IT": "ita",
    "ES": "esp",
    "PT": "prt",
    "BE": "bel",
    "LU": "lux",
    "PL": "pol",
    "SK": "svk",
    "HU": "hun",
    "RO": "rou",
    "BG": "bgr",
    "GR": "grc",
    "SE": "swe",
    "NO": "nor",
    "DK": "dnk",
    "FI": "fin",
    "IS": "isl",
    "IE": "irl",
    "CA": "can",
    "MX": "mex",
    "BR": "bra",
    "AR": "arg",
    "CL": "chl",
    "CO": "col",
    "AU": "aus",
    "NZ": "nzl",
    "JP": "jpn",
    "CN": "chn",
    "IN": "ind",
    "SG": "sgp",
    "HK": "hkg",
    "TW": "twn",
    "IL": "isr",
    "ZA": "zaf",
    "SA": "sau",
    "EG": "egy",
    "NG": "nga",
    "KE": "ken",
    "UA": "ukr",
    "HR": "hrv",
    "SI": "svn",
    "RS": "srb",
    "EE": "est",
    "LV": "lva",
    "LT": "ltu",
}


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def _locale_data() -> dict[str, dict[str, str]]:
    """libphonenumber's region names by language, read from their module alone: importing it by
    name first runs its package, which loads the place names of every area code (0.5 s and
    100 MB that a long-running `crm serve` would keep for good)."""
    root = importlib.util.find_spec("phonenumbers")
    assert root is not None and root.submodule_search_locations
    path = Path(root.submodule_search_locations[0]) / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.LOCALE_DATA)


@cache
def _table() -> dict[str, str]:
    # Built on first use, so a command that never names a country does not read the names.
    locale_data = _locale_data()
    table: dict[str, str] = {}
    ambiguous: set[str] = set()
    for code, names in locale_data.items():
        for name in names.values():
            if name.startswith("*"):  # a reference to another language's identical name
                continue
            key = _key(name)
            if table.get(key, code) != code:
                ambiguous.add(key)
            table.setdefault(key, code)
    for key in ambiguous:
        del table[key]
    for code, aliases in _ALIASES.items():
        for alias in aliases.split("|"):
            table[alias] = code
    for code in locale_data:
        table[code.lower()] = code
    return table


# Contacts name the same few countries over and over.
@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """`"Deutschland"`, `"germany"`, `"DEU"`, `"de"` -> `"DE"`; None when not recognised."""
    return _table().get(_key(text))
