"""Query understanding without an LLM: trusts, themes, roles, people and the question's shape.

Tables here are small and specific to this report (its seven trusts, its section titles); other reports would
bring their own. Left out: spelling correction beyond the listed short forms, and negation ("not Oxleas").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.records import Chunk

# short form (lower case, matched as whole words) -> trust name
TRUST_ALIASES: dict[str, str] = {
    "oxleas": "Oxleas NHS Foundation Trust",
    "somerset": "Somerset Partnership NHS Foundation Trust",
    "sompar": "Somerset Partnership NHS Foundation Trust",
    "lincolnshire": "Lincolnshire Partnership NHS Foundation Trust",
    "lincs": "Lincolnshire Partnership NHS Foundation Trust",
    "lpft": "Lincolnshire Partnership NHS Foundation Trust",
    "lincoln": "Lincolnshire Partnership NHS Foundation Trust",
    "south west yorkshire": "South West Yorkshire Partnership NHS Foundation Trust",
    "sw yorkshire": "South West Yorkshire Partnership NHS Foundation Trust",
    "swypt": "South West Yorkshire Partnership NHS Foundation Trust",
    "yorkshire trust": "South West Yorkshire Partnership NHS Foundation Trust",
    "yorkshire": "South West Yorkshire Partnership NHS Foundation Trust",
    "north staffordshire": "North Staffordshire Combined Healthcare NHS Trust",
    "north staffs": "North Staffordshire Combined Healthcare NHS Trust",
    "n staffs": "North Staffordshire Combined Healthcare NHS Trust",
    "staffordshire": "North Staffordshire Combined Healthcare NHS Trust",
    "staffs": "North Staffordshire Combined Healthcare NHS Trust",
    "combined healthcare": "North Staffordshire Combined Healthcare NHS Trust",
    "nscht": "North Staffordshire Combined Healthcare NHS Trust",
    "calderstones": "Calderstones Partnership NHS Foundation Trust",
    "mersey care": "Calderstones Partnership NHS Foundation Trust",
    "merseycare": "Calderstones Partnership NHS Foundation Trust",
    "mersey": "Calderstones Partnership NHS Foundation Trust",
    "sheffield": "Sheffield Health and Social Care NHS Foundation Trust",
    "shsc": "Sheffield Health and Social Care NHS Foundation Trust",
}
ALL_TRUSTS: tuple[str, ...] = tuple(dict.fromkeys(TRUST_ALIASES.values()))

# theme pattern -> section titles it points at
THEMES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (
        re.compile(r"involv\w*|service users?|people who use|co-?produc\w*|carers?|families|patient voice|lived"),
        ("Involving patients and people who use services",),
    ),
    (re.compile(r"governance|assurance|audits?|oversight|action plans?|monitor\w*"), ("Governance",)),
    (re.compile(r"cultur\w*|blame|speak(?:ing)? up|morale|values"), ("Culture",)),
    (re.compile(r"leader\w*|\bboard\b|executive team|visib\w*"), ("Leadership",)),
    (
        re.compile(r"staff engagement|engag\w* (?:with )?staff|empower\w*|staff survey|front ?line staff"),
        ("Staff engagement and empowerment",),
    ),
    (
        re.compile(r"outward|partner\w*|other trusts|external|voluntary|stakeholders?|local (?:community|agencies)"),
        ("Outward looking",),
    ),
    (
        re.compile(r"relationship with (?:the )?cqc|cqc relationship|inspectors?\b|regulator"),
        ("Relationship with CQC",),
    ),
    (re.compile(r"\bnext\b|future|plans?\b|going forward|ambition"), ("Next on the improvement journey",)),
    (
        re.compile(
            r"react\w*|respon\w* to (?:the )?(?:report|rating)|first report|initial (?:report|inspection)|shock"
        ),
        (
            "Reaction to the initial inspection report",
            "Reaction to the inspection report",
            "Reaction to initial inspection report",
        ),
    ),
]
# role words in a question -> words that a speaker's role contains
ROLES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"chief exec\w*|\bceos?\b"), ("chief executive",)),
    (re.compile(r"\bchairs?\b|chairm[ae]n"), ("chair",)),
    (re.compile(r"nurs\w*"), ("nurs",)),
    (re.compile(r"medical director|doctors?|psychiatrist"), ("medical director", "psychiatrist", "medical")),
    (re.compile(r"service users?|patients? (?:said|say)|people who use"), ("service user", "uses services")),
    (re.compile(r"ward managers?"), ("ward manager",)),
    (re.compile(r"psycholog\w*"), ("psycholog",)),
]
_CROSS = re.compile(
    r"\btrusts\b|\beach trust\b|\ball (?:the )?trusts\b|\bcompare\b|\bacross\b|\bwhich trust\b|\bdifferent trusts\b"
    r"|\bcommon themes?\b|\bkey themes?\b|\bin general\b|\boverall\b"
)
_WHO = re.compile(
    r"^\s*(?:who|whose|which (?:person|role|director|manager|member))\b|\bwho (?:said|says|described|called)\b"
)


@dataclass(frozen=True)
class Understanding:
    trusts: tuple[str, ...] = ()  # trusts the question names
    sections: tuple[str, ...] = ()  # sections its themes point at
    roles: tuple[str, ...] = ()  # role words to look for in speakers
    people: tuple[str, ...] = ()  # full names of people it names
    cross_trust: bool = False  # asks about trusts in general, or compares them
    who: bool = False  # asks who said or did something
    numeric: bool = False  # asks for a number or amount
    quoted: tuple[str, ...] = field(default=())  # phrases the user put in quotes


def _lower(text: str) -> str:
    return re.sub(r"[’‘`]", "'", text.lower())


def find_trusts(text: str) -> tuple[str, ...]:
    """Trusts named in `text` by full or short name, in the order they appear."""
    low = " " + re.sub(r"[^a-z0-9]+", " ", _lower(text)) + " "
    found: dict[str, int] = {}
    for alias in sorted(TRUST_ALIASES, key=len, reverse=True):
        at = low.find(f" {alias} ")
        if at >= 0:
            name = TRUST_ALIASES[alias]
            found[name] = min(at, found.get(name, at))
            low = low.replace(f" {alias} ", " " + "_" * len(alias) + " ")
    return tuple(sorted(found, key=found.__getitem__))


def people_index(chunks: tuple[Chunk, ...]) -> dict[str, str]:
    """Lower-case name forms (full, surname, first name when unique) -> full name, from the chunks' speakers."""
    names = {q.name for c in chunks for q in c.quotes} | {c.speaker.name for c in chunks if c.speaker}
    out: dict[str, str] = {}
    firsts: dict[str, set[str]] = {}
    for name in names:
        words = re.sub(r"^(?:Dr|Professor) ", "", name).split()
        out[" ".join(words).lower()] = name
        out[name.lower()] = name
        if len(words[-1]) > 3:
            out.setdefault(words[-1].lower(), name)
        firsts.setdefault(words[0].lower(), set()).add(name)
    for first, full in firsts.items():
        if len(full) == 1 and first not in out:
            out[first] = next(iter(full))
    return out


def understand(question: str, people: dict[str, str]) -> Understanding:
    low = _lower(question)
    words = " " + re.sub(r"[^a-z0-9'\- ]+", " ", low) + " "
    sections: list[str] = []
    for pattern, titles in THEMES:
        if pattern.search(low):
            sections.extend(t for t in titles if t not in sections)
    roles = tuple(w for pattern, ws in ROLES if pattern.search(low) for w in ws)
    named = []
    for form in sorted(people, key=len, reverse=True):
        if f" {form} " in words and people[form] not in named:
            named.append(people[form])
    trusts = find_trusts(question)
    quoted = tuple(q.strip() for q in re.findall(r"[\"“'‘]([^\"”'’]{3,80})[\"”'’]", question))
    return Understanding(
        trusts=trusts,
        sections=tuple(sections),
        roles=roles,
        people=tuple(named),
        cross_trust=bool(_CROSS.search(low)) and len(trusts) != 1,
        who=bool(_WHO.search(low)),
        numeric=bool(re.search(r"how (?:much|many)|\bnumber of\b|\bpercent|%|\bhow long\b|\bby how\b", low)),
        quoted=quoted,
    )
