"""People: attribution lines (`Name, Role`), names with roles in running text, and a registry per trust.

The registry is what lets a later mention by first name, surname or `Dr` + name (`Ben`, `Mike`, `Dr Arun`) be
resolved to the person introduced earlier in the same case study, with the role given at first mention. It
uses no list of first names: a capitalised pair counts as a person only when the text introduces it with a role,
an attribution or a speech verb. It does not resolve nicknames or people named by role alone ("the chair").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ingest.records import Speaker

# Words that can stand in a role phrase before or after a name ("Director of Nursing and Quality").
ROLE_HEADS = {
    "executive", "chair", "director", "manager", "secretary", "nurse", "officer", "governor", "lead",
    "matron", "psychologist", "therapist", "assistant", "psychiatrist", "head", "worker", "champion",
    "inspector", "gp", "member", "user",
}  # fmt: skip
ROLE_WORDS = ROLE_HEADS | {
    "chief", "of", "and", "&", "nursing", "quality", "medical", "ward", "service", "trust", "leadership",
    "workforce", "deputy", "clinical", "operating", "strategy", "finance", "operations", "care", "standards",
    "professions", "communications", "senior", "team", "healthcare", "district", "non-executive", "lead",
    "corporate", "affairs", "marketing", "engagement", "performance", "digital", "compliance", "inpatient",
    "modern", "speech", "language", "community", "forensic", "prison", "services", "recruitment",
    "development", "delivery", "improvement", "social", "assistant", "consultant", "executive", "the",
}  # fmt: skip
# Capitalised words that are never part of a person's name in this kind of report.
NOT_NAME = ROLE_WORDS | {
    "nhs", "cqc", "foundation", "partnership", "health", "council", "combined", "county", "club", "college",
    "programme", "group", "network", "unit", "centre", "award", "awards", "book", "football", "minds",
    "creative", "recovery", "specialist", "learning", "disability", "disabilities", "mental", "act", "value",
    "makers", "listening", "action", "close", "journal", "royal", "psychiatrists", "safety", "our", "we",
    "this", "in", "for", "as", "according", "it", "they", "he", "she", "a", "but", "when", "after", "before",
    "dear", "ask", "there", "these", "those", "that", "with", "on", "at", "by", "from", "to", "if", "so",
    "each", "every", "one", "two", "key", "themes", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december", "england", "federation", "academy",
    "employers", "stonewall", "healthwatch", "east", "west", "north", "south", "london", "yorkshire",
    "staffordshire", "lincolnshire", "somerset", "sheffield", "oxleas", "calderstones", "mersey", "cornwall",
    "barnsley", "wakefield", "kent", "greenwich", "tees", "esk", "wear", "tyne", "northumberland", "valley",
    "city", "housing", "association", "organisational", "aston", "lockton", "mills", "reeve", "forest",
    "costing", "havelock", "brilliance", "steps", "challenge", "rated", "good", "outstanding", "people",
    "patients", "patient", "staff", "trusts", "while", "although", "however", "also", "then", "all", "both",
    "i", "my", "you", "your", "his", "her", "their", "how", "what", "why", "who", "following", "during",
    "since", "once", "other", "new", "local", "national", "regional", "adult", "adults", "older", "division",
    "changes", "sun:rise", "rose", "emt", "lgbt", "bme", "plics", "hfma", "camhs", "wte", "a&e", "ccg", "gps",
}  # fmt: skip
SPEECH_VERBS = (
    "says|said|explains|explained|notes|noted|confirms|confirmed|observed|reflected|agrees|agreed|adds|added|"
    "describes|described|told us|thinks|outlines|echoes|welcomed|highlights|underlines|emphasises|spoke|feels|"
    "believes|wanted|put it|recalls|continues|acknowledged|gave|is passionate|was also|also"
)

_NAME_WORD = r"[A-Z][a-zA-Z’'\-]+"
NAME_RE = re.compile(rf"(?:(?:Dr|Professor) )?{_NAME_WORD} {_NAME_WORD}")
_ROLE_STOP = re.compile(
    rf",? (?:{SPEECH_VERBS}|was|is)\b|,? who (?=[a-z]+s\b)|, which\b|\.(?:\s|$)|,? “|\s+“|;|\)|$"
)


def is_name(candidate: str) -> bool:
    words = candidate.split()
    if words and words[0] in ("Dr", "Professor"):
        words = words[1:]
    if len(words) != 2:
        return False
    return all(
        w[0].isupper() and w.lower().strip("’'") not in NOT_NAME and not w.endswith(("’s", "’")) for w in words
    )


def bare(name: str) -> str:
    """A name without its title: `Dr John Brewin` → `John Brewin`."""
    return re.sub(r"^(?:Dr|Professor) ", "", name)


def _clean_role(role: str) -> str | None:
    role = re.sub(r"\s+", " ", role).strip(" ,.–-")
    if not role or len(role) > 110 or "“" in role or "”" in role:
        return None
    return role


@dataclass
class Person:
    name: str  # fullest form seen, with title when the report gives one
    role: str | None
    trust: str | None


@dataclass
class Registry:
    """People known in one scope (a case study, or the whole report)."""

    people: dict[str, Person] = field(default_factory=dict)  # bare full name -> person

    def add(self, name: str, role: str | None, trust: str | None) -> Person:
        key = self._same_as(bare(name))
        person = self.people.get(key)
        if person is None:
            person = self.people[key] = Person(name=name, role=role, trust=trust)
        else:
            if name.startswith(("Dr ", "Professor ")) and not person.name.startswith(("Dr ", "Professor ")):
                person.name = name
            if role and not person.role:
                person.role = role
            if trust and not person.trust:
                person.trust = trust
        return person

    def _same_as(self, key: str) -> str:
        """A known person whose surname differs only by a misprint (`Rob Wesbter`) is the same person."""
        first, last = key.split()[0], key.split()[-1]
        for known in self.people:
            k_first, k_last = known.split()[0], known.split()[-1]
            if k_first == first and k_last != last and SequenceMatcher(None, k_last, last).ratio() >= 0.8:
                return known
        return key

    def aliases(self) -> dict[str, Person]:
        """Every form that may refer to a person: full, bare, first name, Dr + first or surname."""
        out: dict[str, Person] = {}
        first_count: dict[str, int] = {}
        for key in self.people:
            first = key.split()[0]
            first_count[first] = first_count.get(first, 0) + 1
        for key, person in self.people.items():
            first, last = key.split()[0], key.split()[-1]
            out[key] = person
            out[person.name] = person
            out[f"Dr {first}"] = person
            out[f"Dr {last}"] = person
            if first_count[first] == 1:
                out[first] = person
        return out

    def speaker(self, person: Person) -> Speaker:
        return Speaker(name=person.name, role=person.role, trust=person.trust)


def split_trust(role: str | None, trust_aliases: dict[str, str]) -> tuple[str | None, str | None]:
    """Take a trust out of a role: `Director of Nursing at Oxleas NHS Foundation Trust` → (`Director of Nursing`, …)."""
    if not role:
        return None, None
    for alias in sorted(trust_aliases, key=len, reverse=True):
        m = re.search(rf"(?:,| at| of)\s+{re.escape(alias)}(?:\s+NHS(?:\s+Foundation)?\s+Trust)?$", role)
        if m:
            return _clean_role(role[: m.start()]), trust_aliases[alias]
        if role == alias:
            return None, trust_aliases[alias]
    return role, None


def parse_attribution(text: str, trust_aliases: dict[str, str]) -> Speaker | None:
    """Parse a printed attribution such as `Jane Wells, Nursing Director` or `Chief Executive Rob Webster`."""
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    if not text or len(text) > 170 or "“" in text or "”" in text or not text[0].isupper():
        return None
    head, _, tail = text.partition(", ")
    words = head.split()
    if not 2 <= len(words) <= 8:
        return None
    n = 3 if len(words) >= 3 and words[-3] in ("Dr", "Professor") else 2
    name = " ".join(words[-n:])
    if not is_name(name):
        return None
    prefix = words[:-n]
    if prefix and not all(w.lower() in ROLE_WORDS or w[0].isupper() for w in prefix):
        return None
    role_parts = [" ".join(prefix)] if prefix else []
    if tail:
        role_parts.append(tail)
    role, trust = split_trust(_clean_role(", ".join(role_parts)) if role_parts else None, trust_aliases)
    return Speaker(name=name, role=role, trust=trust)


_LINKS = {"of", "and", "for", "the", "at", "in", "&", "to"}
_APPOINTED = re.compile(
    r"\s+(?:was appointed|took up (?:her|his) position as|is|works for)\s+(?:[^,.“]*?\bas\s+)?"
)
_APPOINTED_STOP = re.compile(r"\s+(?:a week|in|since|after|before|when|who|and was)\s|[.;“]|,? (?:he|she)\b")


def _capital_role(cand: str) -> str:
    """A capitalised role runs until the first lowercase word that is not a link word."""
    out: list[str] = []
    for tok in cand.split():
        word = tok.strip(",.;:")
        if not word or (word[0].islower() and word not in _LINKS) or "“" in tok:
            break
        out.append(tok)
        if tok.endswith((".", ";")):
            break
    while out and out[-1].strip(",.") in _LINKS:
        out.pop()
    return " ".join(out)


def role_after(text: str, pos: int) -> str | None:
    """The role printed after a name at `pos`: `, Service Director, Forensic and Prison Services, said` …"""
    rest = text[pos:]
    appointed = _APPOINTED.match(rest)
    if appointed:
        verb = appointed.group(0).strip()
        cand = rest[appointed.end() :]
        stop = _APPOINTED_STOP.search(cand)
        role = _clean_role(cand[: stop.start()] if stop else cand[:90])
        if role and verb.startswith("works for"):
            return "works for " + role
        return role if role and any(w.lower().strip(",") in ROLE_HEADS for w in role.split()) else None
    m = re.match(r",\s+", rest)
    if not m:
        return None
    cand = rest[m.end() :]
    if cand.startswith("who "):
        return _clean_role(cand.split(",")[0])
    if cand[:1].isupper():
        role = _clean_role(_capital_role(cand))
        if role and any(w.lower().strip(",") in ROLE_HEADS for w in role.split()):
            return role
        return None
    if not cand.startswith(("a ", "the ", "team ", "director ")):
        return None
    stop = _ROLE_STOP.search(cand)
    return _clean_role(cand[: stop.start()] if stop else cand[:100])


def role_before(text: str, pos: int) -> str | None:
    """The role printed just before a name at `pos`: `Director of Nursing Jane Wells`, `Medical director Ify …`."""
    before = text[:pos].rstrip(" ,")
    tokens = before.split()
    role: list[str] = []
    for tok in reversed(tokens):
        bare_tok = tok.strip(",")
        if bare_tok.lower() in ROLE_WORDS and bare_tok.lower() != "the":
            role.insert(0, bare_tok)
            continue
        break
    while role and role[0].lower() in ("of", "and", "&"):
        role.pop(0)
    if not role or not any(w.lower() in ROLE_HEADS for w in role):
        return None
    text_role = " ".join(role)
    return text_role[0].upper() + text_role[1:]
