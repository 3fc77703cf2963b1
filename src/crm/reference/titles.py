"""Job titles: the seniority levels and departments a title names, by keyword (English and
German titles)."""

from __future__ import annotations

import re

# Most senior first: the first level whose pattern matches wins.
_SENIORITY = [
    ("owner", r"founder|co-founder|owner|inhaber(in)?|gr[üu]nder(in)?"),
    ("c_level", r"chief \w+( \w+)? officer|c[aeiflmopst]o|president|managing director|"
     r"gesch[äa]ftsf[üu]hrer(in)?|vorstand|general manager"),
    ("vp", r"vice president|s?e?vp"),
    ("head", r"head of|head|leiter(in)?|leitung"),
    ("director", r"director|direktor(in)?"),
    ("manager", r"manager(in)?|team ?lead|lead"),
    ("senior", r"senior|sr|principal|staff"),
    ("entry", r"junior|jr|intern|internship|trainee|werkstudent(in)?|praktikant(in)?|"
     r"apprentice|azubi|assistant|assistenz"),
]  # fmt: skip
# Specific functions before "executive", so a CMO is marketing and an account executive is sales.
_DEPARTMENT = [
    ("sales", r"sales|account executive|account manager|business development|bdr|sdr|cro|"
     r"vertrieb|revenue|key account"),
    ("marketing", r"marketing|cmo|growth|brand|content|seo|sem|communications?|pr|"
     r"social media|kommunikation"),
    ("customer_success", r"customer success|customer service|support|helpdesk|kundenservice"),
    ("product", r"product|cpo|produkt"),
    ("design", r"design(er)?|ux|ui|creative"),
    ("data", r"data|analyst|analytics|bi|machine learning|ml|ai"),
    ("engineering", r"engineer(ing)?|developer|software|devops|sre|architect|programmer|cto|"
     r"entwickler(in)?|ingenieur(in)?|technology|backend|frontend|full-?stack"),
    ("it", r"it|information technology|sysadmin|system administrator|cio|ciso|security|network"),
    ("finance", r"finance|financial|cfo|accounting|accountant|controller|controlling|treasury|"
     r"buchhaltung|finanzen"),
    ("hr", r"hr|human resources|people|talent|recruiter|recruiting|personal(abteilung)?|chro"),
    ("legal", r"legal|counsel|lawyer|attorney|compliance|jurist(in)?|recht"),
    ("operations", r"operations|coo|logistics|supply chain|procurement|purchasing|einkauf|"
     r"office manager"),
    ("executive", r"ceo|chief executive|founder|co-founder|owner|president|managing director|"
     r"gesch[äa]ftsf[üu]hrer(in)?|vorstand|general manager|inhaber(in)?"),
]  # fmt: skip
SENIORITIES = tuple(level for level, _ in _SENIORITY)
DEPARTMENTS = tuple(dept for dept, _ in _DEPARTMENT)
_ASSISTANT = re.compile(r"\b(assistant|assistenz)\b.*\b(to|of|der|des)\b", re.IGNORECASE)


def _compile(table: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (label, re.compile(rf"(?<![\w-])({pattern})(?![\w-])", re.I)) for label, pattern in table
    ]


_SENIORITY_RE = _compile(_SENIORITY)
_DEPARTMENT_RE = _compile(_DEPARTMENT)


def _first(table: list[tuple[str, re.Pattern[str]]], title: str) -> tuple[str, str] | None:
    for label, pattern in table:
        if match := pattern.search(title):
            return label, match.group()
    return None


def classify(title: str) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """(seniority, matched words), (department, matched words) for a title."""
    # "Assistant to the CEO" is not a CEO.
    if _ASSISTANT.search(title):
        return ("entry", "assistant"), None
    return _first(_SENIORITY_RE, title), _first(_DEPARTMENT_RE, title)
