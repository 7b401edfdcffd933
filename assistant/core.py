"""`Assistant`: a question (and the conversation so far) in, an `Answer` of cited verbatim extracts out.

The steps, each in its own module: read the question (`understanding`, names from the report's facts), read it
against the conversation (`conversation`), answer rating questions from data (`ratings`), rank chunks through
the index and choose them (`retrieval`), cut answer-complete extracts (`extracts`), check the evidence answers
(`answerable`), and write the markdown (`compose`). Every setting is a field of `AssistantConfig`.

The assistant holds only read-only state (the loaded index, sentence vectors, vocabulary, names), so one
instance serves many threads and users; each conversation is a value the caller passes in and gets back.
Left out: generating text. Every word shown from the report is the report's own.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from assistant import answerable, ratings
from assistant.compose import (
    ASIDE,
    FILTERS_EMPTY,
    NOT_ANSWERED,
    NOT_IN_FILTERS,
    NOTHING_BEFORE,
    compose,
    glance,
    who_lead,
)
from assistant.config import AssistantConfig
from assistant.conversation import Resolved, read_as, resolve
from assistant.extracts import SentenceScores, make_extract, span_breaks, with_reported
from assistant.names import Names
from assistant.records import Answer, Comparison, Conversation, Extract, Filters, Turn
from assistant.retrieval import Scored, Selection, rank, repeats, select
from assistant.sentences import SentenceBank
from assistant.spelling import Acronyms, RoleWords, Speller
from assistant.text import QUESTION, SINGULAR, STOP, YEAR, Vocabulary, terms, words
from assistant.understanding import Understanding, understand
from assistant.validate import clean_filters, clean_history, clean_question
from errors import ValidationError
from ingest.people import bare
from ingest.pipeline import read_source
from ingest.records import Speaker
from ingest.text import normalise_ws

# a question word's "'s" typed without its apostrophe: "whats", "hows", "whos"
_UNTICKED = re.compile(r"\b(what|how|who|where|when|why)s\b", re.IGNORECASE)


def _stands_for_nothing(question: str, content: Sequence[str]) -> bool:
    """A singular personal pronoun ("it", "he", "she") comes before any of the question's subject words."""
    ws = words(question)
    first = next((i for i, w in enumerate(ws) if w in SINGULAR), None)
    return first is not None and not set(terms(" ".join(ws[:first]))) & set(content)


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ValidationError("This took too long to answer (the server is busy); please ask again.")


class Assistant:
    def __init__(self, index, config: AssistantConfig | None = None):
        self.index = index
        self.config = config or AssistantConfig()
        self.chunks = index.chunks
        self.facts = index.facts
        self.bank = SentenceBank.from_index(index)
        roles = [r for p in self.facts.people for r in p.roles]
        self.vocab = Vocabulary.build(self.chunks, self.facts.trust_names, roles)
        self._people = {p.name: p for p in self.facts.people}
        # name without title -> how an extract cites them (a view of theirs the report retells is cited to them)
        self._cited = {bare(p.name): Speaker(p.name, p.roles[0] if p.roles else None, p.trust)
                       for p in self.facts.people}
        self.names = Names(self.facts, self.vocab.surface, self.config.name_similarity, self.vocab.common)
        language = getattr(index.embedder, "words", frozenset)()  # the model's own word list, when it has one
        hyphenated = sorted({h for c in self.chunks for h in re.findall(r"\b[a-z]+-[a-z]+\b", c.text.lower())})
        self.speller = Speller(self.vocab, language, self.config.spelling_similarity, hyphenated=hyphenated,
                               swaps=self.config.spelling_swaps) \
            if self.config.spelling_similarity <= 100 and language else None
        known = lambda w: w in self.vocab.surface or w in language  # noqa: E731
        self.acronyms = Acronyms([c.text for c in self.chunks], known, lambda w: w in self.vocab.surface) \
            if self.config.acronyms else None
        self.role_words = RoleWords(roles, self.vocab, index.embedder.encode_queries, self.config.role_similarity) \
            if self.config.role_similarity <= 1 else None
        # names the report prints of organisations other than its cases ("East London NHS Foundation Trust"): name
        # runs ending with a word the cases' names share, that neither hold nor are part of a case's name
        cases = [c.lower() for c in self.facts.trust_names]
        printed = set(self.acronyms.printed if self.acronyms else ())
        self._other_organisations = tuple(sorted(
            n for n in {p.lower() for p in printed}
            if n.split()[-1] in self.vocab.generic and not any(n in c or c in n for c in cases)))
        # ... each by the words its name opens with, up to the words the cases' names share ("mersey care"), when
        # more than one word or one the report prints only as a name ("cornwall") -> its name as printed
        self._other_leads: dict[str, str] = {}
        for name in sorted(printed, key=len):
            lead = " ".join(itertools.takewhile(lambda w: w not in self.vocab.generic, name.lower().split()))
            if name.lower() in self._other_organisations and lead and (" " in lead or lead not in self.vocab.common):
                self._other_leads.setdefault(lead, name)
        people = {p.name for p in self.facts.people} | {bare(p.name) for p in self.facts.people}
        self._bodies = tuple(n for n in printed if n not in people and len(n.split()) >= 2)  # not a person's name
        # the words the report prints in capitals ("CQC", "NHS"): short names of bodies, or of things
        self._capitals = frozenset(w.lower() for c in self.chunks for w in re.findall(r"\b[A-Z]{2,}\b", c.text))
        self.sections = tuple(s.title for s in self.facts.sections)
        self.themes = tuple(s.title for s in self.facts.sections if len(s.trusts) > 1)
        # a heading of cases' sections -> the cases with a section so headed, and the heading's words
        self._section_trusts = {s.title: set(s.trusts) for s in self.facts.sections if s.trusts}
        # report-level chunks (no trust of their own) that name a trust, by the names the question reader knows
        self._mentions: dict[str, list[int]] = {}
        for pos, chunk in enumerate(self.chunks):
            if not chunk.trust:
                for m in self.names.find(chunk.text):
                    if m.how == "name":
                        self._mentions.setdefault(m.trust, []).append(pos)
        self._heading_terms = {s.title: set(terms(s.title)) for s in self.facts.sections if s.title}
        # what the report calls itself (its running title), else its file name
        self.title = self.facts.title or Path(index.manifest["source"]["name"]).stem
        self.trusts = self.facts.trust_names
        # the documents extracts cite; named in citations when there is more than one
        self.documents = {d.key: d for d in self.facts.documents}
        titles = Counter(d.title for d in self.facts.documents)  # a title two documents share is told by file
        self.document_names = {d.key: d.title if titles[d.title] == 1 else f"{d.title} ({d.file})"
                               for d in self.facts.documents}
        texts = index.texts or {None: read_source(index.manifest["source"]["path"])[0]}
        # chunk position -> offsets in its text where the source was interrupted (shown as " … " in extracts)
        self.breaks = [span_breaks(c, texts[c.document]) for c in self.chunks]
        self._trust = np.array([c.trust or "" for c in self.chunks], dtype=object)
        self._section = np.array([c.section or "" for c in self.chunks], dtype=object)
        self._kind = np.array([c.kind for c in self.chunks], dtype=object)
        self._part = np.array([c.part or "" for c in self.chunks], dtype=object)
        self._page = np.array([c.page for c in self.chunks])
        self._page_end = np.array([c.page_end for c in self.chunks])
        self._ids = np.array([c.id for c in self.chunks], dtype=object)
        # each heading several trusts share -> each such trust's chunks under it
        self._shared_headings = {title: [(self._section == title) & (self._trust == t) for t in sorted(trusts)]
                                 for title, trusts in self._section_trusts.items() if len(trusts) >= 2}
        chunk_terms = [set(terms(c.text)) for c in self.chunks]  # each chunk's words, worked out once here
        df = Counter(t for ts in chunk_terms for t in ts)
        n = max(1, len(self.chunks))
        self._plain_texts = [" ".join(words(c.text)) for c in self.chunks]  # each chunk's words, for phrases typed
        self._plain_all = "\n".join(self._plain_texts)
        self._pairs = {pair for t in self._plain_texts for pair in itertools.pairwise(t.split())}
        self._lower_terms = frozenset(terms(" ".join(self.vocab.common)))  # stems of words it prints in lower case
        self._everywhere = frozenset(t for t, d in df.items() if d / n >= self.config.common_share)
        self._rating_cues = ratings.cue_stems(self.facts)
        self._role_words = frozenset(t for p in self.facts.people for r in p.roles for t in terms(r))
        # ... the words of role titles ("Director of Nursing"; not "works for Changes, a local charity …")
        self._title_words = frozenset(t for p in self.facts.people for r in p.roles if r[:1].isupper()
                                      for t in terms(r))
        # the document's parts by their words ("foreword", "key themes"), as ingest labelled the chunks, when the
        # words name the part and not a subject: no chunk outside the part uses all of them ("case study" is used)
        parts = {p: set(terms(p)) for p in dict.fromkeys(self._part) if p and terms(p)}
        self._part_terms = {p: words for p, words in parts.items() if not any(
            words <= ts for ts, q in zip(chunk_terms, self._part, strict=True) if q != p)}
        self._document = np.array([c.document or "" for c in self.chunks], dtype=object)
        self._positions = {c.id: i for i, c in enumerate(self.chunks)}
        self.repeated = repeats(self.chunks)  # chunk position -> chunks whose text repeats it
        self._plain = [normalise_ws(c.text).lower() for c in self.chunks]  # for finding quoted phrases
        self._voices = [frozenset({q.name for q in c.quotes} | ({c.speaker.name} if c.speaker else set()))
                        for c in self.chunks]  # who speaks in each chunk

    @classmethod
    def from_index(cls, index, config: AssistantConfig | None = None) -> Assistant:
        """The assistant over an index already loaded."""
        return cls(index, config)

    @classmethod
    def load(
        cls, index_config=None, *, rebuild: bool = True, progress: bool = False, config: AssistantConfig | None = None
    ) -> Assistant:
        from index import load_or_build

        return cls.from_index(load_or_build(index_config, rebuild=rebuild, progress=progress), config)

    # -- public API ----------------------------------------------------------------------------------------
    def section_choices(self, trusts: Sequence[str] = ()) -> tuple[str, ...]:
        """Sections worth filtering on: those with material from any of `trusts` (all, when none), never front
        matter (values, acknowledgements)."""
        return tuple(
            s.title for s in self.facts.sections
            if set(s.parts) - {"front matter"} and (not trusts or set(s.trusts) & set(trusts))
        )

    def ask(
        self, question: str, conversation: Conversation | None = None, filters: Filters | None = None
    ) -> tuple[Answer, Conversation]:
        """Answer `question` in the context of `conversation`; returns the answer and the extended conversation."""
        q = clean_question(question, self.config.max_question_chars)
        cleaned = clean_filters(filters, self.sections, self.names, self.facts.documents)
        return self._ask(q, conversation or Conversation(), cleaned)

    def ask_history(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        *,
        deadline: float | None = None,
    ) -> Answer:
        """Answer `question` after replaying `history` (earlier user questions, oldest first).

        Input is checked once, here, not again for every replayed turn. `deadline` (a `time.monotonic()` value):
        past it, the work stops with a ValidationError instead of going on.
        """
        q, cleaned, conversation = self._replayed(question, history, filters, deadline)
        return self._ask(q, conversation, cleaned)[0]

    # -- one turn ------------------------------------------------------------------------------------------
    def _read(self, q: str, conversation: Conversation, filters: Filters):
        """(understanding, reading against the conversation, an embed function that never encodes a text twice)."""
        vectors: dict[str, np.ndarray] = {}  # text -> query vector

        def embed(text: str) -> np.ndarray:
            if text not in vectors:
                vectors[text] = self.index.embed(text)
            return vectors[text]

        def probe(text: str, last: Answer) -> tuple[float, float]:
            allowed = self._allowed(filters.trusts, filters)
            cos = self.index.dense.scores(embed(text))
            alone = float(cos[allowed].max()) if allowed.any() else 0.0
            shown = [self._positions[e.chunk_id] for e in last.extracts if e.chunk_id in self._positions]
            return alone, (float(cos[shown].max()) / alone if shown and alone > 0 else 0.0)

        spelled, fixes = _UNTICKED.sub(r"\1's", q), ()  # "whats next?" is "what's next?"
        named = [(m.start, m.end) for m in self.names.find(spelled)] if self.acronyms or self.speller else []
        if self.acronyms is not None:  # "elft" searched as "East London NHS Foundation Trust"
            spelled, fixes = self.acronyms.expand(spelled, named)
            if fixes:  # the names moved
                named = [(m.start, m.end) for m in self.names.find(spelled)]
        if self.role_words is not None:  # "ceo" searched as "chief executive"
            spelled, more = self.role_words.read(spelled, named)
            if more:
                fixes = (*fixes, *more)
                named = [(m.start, m.end) for m in self.names.find(spelled)]
        if self.speller is not None:  # "restrant" searched as "restraint" (names are read by their own rules)
            spelled, more = self.speller.respell(spelled, named)
            fixes = (*fixes, *more)
        if self.config.respell_names:  # "somserset buddy system" embedded as "Somerset buddy system" (a misspelt
            # name pulls the question's vector far from its passages), the reading still told
            for m in sorted((m for m in self.names.find(spelled) if m.how == "spelling"), key=lambda m: -m.start):
                spelled = spelled[: m.start] + self.names.short(m.trust) + spelled[m.end :]
                fixes = (*fixes, m.note() or "")
        u = understand(spelled, self.names, self.vocab)
        if fixes:
            u = replace(u, notes=(*u.notes, *fixes))
        resolved = resolve(spelled, u, conversation, self.names, probe, self.config)
        if filters.trusts:
            resolved = replace(resolved, reading=replace(resolved.reading, trusts=filters.trusts))
        return u, resolved, embed

    def _ask(self, q: str, conversation: Conversation, filters: Filters) -> tuple[Answer, Conversation]:
        start = time.perf_counter()
        u, resolved, embed = self._read(q, conversation, filters)
        t_read = time.perf_counter()
        # nothing of its own to search for ("tell me more", "who said that?")
        leans = not ((u.content and not u.said_only) or u.trusts or u.people or u.quoted or u.pages)
        # ... or only a word or two besides "it", "he" or "she", with no subject word before it that it could stand
        # for and no filter ("did it work?"; not "restraint - how did trusts reduce it?"; "they" may be the trusts)
        # ("how did each trust describe its relationship with cqc?": "its" is each trust's)
        leans = leans or (_stands_for_nothing(q, u.content) and not (u.trusts or u.people or u.quoted or u.pages
                                                                     or u.about_cases)
                          and filters.is_empty() and len(u.content) <= self.config.follow_short_words)
        if leans and not conversation.turns:  # "tell me more" with nothing before it: ask what it refers to
            answer = self._finish(q, resolved, [], abstained=True, line=None, start=start, without=(),
                                  reason="This question refers to an earlier answer, and there is none yet: "
                                         "ask about something first, then follow it up.", headline=NOTHING_BEFORE)
        elif resolved.reading.kind == "aside":
            answer = self._finish(q, resolved, [], abstained=True, line=None, start=start, without=(),
                                  reason="It does not ask about the report, so nothing was looked up; the "
                                         "conversation's topic is unchanged.", headline=ASIDE)
        elif resolved.reading.kind == "who" and resolved.previous is not None:
            answer = self._who(q, resolved)
        else:
            answer = self._answer(q, u, resolved, filters, embed, start, t_read)
        return answer, conversation.add(Turn(question=q, answer=answer))

    def _replayed(
        self, question: str, history: Sequence[str], filters: Filters | None, deadline: float | None
    ) -> tuple[str, Filters, Conversation]:
        """The question and filters checked once, and the conversation after replaying `history` under them."""
        q = clean_question(question, self.config.max_question_chars)
        cleaned = clean_filters(filters, self.sections, self.names, self.facts.documents)
        conversation = Conversation()
        for earlier in clean_history(history, self.config.max_history):
            _check_deadline(deadline)
            conversation = self._ask(earlier, conversation, cleaned)[1]
        _check_deadline(deadline)
        return q, cleaned, conversation

    def compare(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        *,
        deadline: float | None = None,
    ) -> Comparison:
        """The best extract from each trust (those filtered, else all) for `question` after `history`, or None for
        a trust whose best sentence falls below the relevance cut of the best anywhere: the same cut that decides
        which trusts have material in an answer. A trust with a section under a heading that names the question's
        subject (`_theme`) gives its best passage there."""
        q, cleaned, conversation = self._replayed(question, history, filters, deadline)
        open_filters = replace(cleaned, trusts=())
        u, resolved, embed = self._read(q, conversation, open_filters)
        if resolved.reading.kind == "who" and resolved.previous is not None:
            resolved = replace(resolved, reading=replace(resolved.reading, kind="continue"))
        eu = self._effective(u, resolved)
        trusts = cleaned.trusts or self.trusts
        allowed = self._allowed((), open_filters) & np.isin(self._trust, list(trusts))
        rows: list[tuple[str, Extract | None]] = []
        if allowed.any():
            vector = embed(resolved.query)
            scores = self.index.scores(resolved.query, vector=vector)
            ranked = rank(self.index, scores, allowed, eu, self.config)
            scorer = SentenceScores(set(eu.content), vector, self.bank, self.vocab, eu, self.config)
            theme = self._theme(eu) if self.config.theme_sections else frozenset()
            evidence = self._evidence(ranked, scorer, theme)
            top = max(evidence.values(), default=0.0)
            by_pos = {s.pos: s for s in ranked}
            top_case = max((v for p, v in evidence.items() if by_pos[p].chunk.trust), default=0.0)
            cfg = self.config
            for trust in trusts:
                mine = [p for p in evidence if by_pos[p].chunk.trust == trust]
                under = [p for p in mine if by_pos[p].chunk.section in theme]  # the heading naming the subject
                best = max(under or mine, key=lambda p: (evidence[p], -p), default=None)
                strong = best is not None and top > 0 and (bool(under) or evidence[best] >= cfg.relevance_cut * top)
                # as in answers: below the cut, a trust's nearest passage is shown (labelled) above the floor
                nearest = (not strong and best is not None and cfg.case_floor < cfg.relevance_cut
                           and evidence[best] >= cfg.case_floor * top_case > 0)
                if not (strong or nearest):
                    rows.append((trust, None))
                    continue
                s = by_pos[best]
                e = self._in_passage(make_extract(
                    s.pos, s.chunk, s.score, set(eu.content), vector, self.bank, self.vocab, eu, cfg,
                    self.breaks[s.pos], scorer=scorer))
                e = self._cite(e)
                rows.append((trust, replace(e, nearest=True) if nearest else e))
        else:
            rows = [(t, None) for t in trusts]
        return Comparison(q, resolved.query, resolved.reading, tuple(rows))

    def _effective(self, u: Understanding, resolved: Resolved) -> Understanding:
        """What the answer must be about: a follow-up adds (or, switching trust, takes) the earlier topic's words."""
        if resolved.reading.kind == "new":
            return u
        topic = understand(resolved.reading.topic, self.names, self.vocab)
        if resolved.reading.kind == "switch":
            return replace(topic, trusts=resolved.reading.trusts, notes=u.notes)
        if resolved.people:  # "what else did she say?": her words, not the topic's
            return replace(u, people=resolved.people)
        return replace(
            u,
            content=tuple(dict.fromkeys((*u.content, *topic.content))),
            people=u.people or topic.people,  # "and caroline donovan?": the person named now, not the earlier one
            quoted=tuple(dict.fromkeys((*u.quoted, *topic.quoted))),
            unknown=u.unknown if u.content else (),
        )

    def _on_pages(self, pages: Sequence[int]) -> np.ndarray:
        """The chunks printed on any of `pages` (a chunk running over a page break is on both)."""
        out = np.zeros(len(self.chunks), dtype=bool)
        for n in pages:
            out |= (self._page <= n) & (self._page_end >= n)
        return out

    def _role_holders(self, u: Understanding, resolved: Resolved, where: Sequence[str]) -> tuple[str, ...]:
        """The people of the trusts in `where` holding the role a question asks about ("who is the <role>?", "what
        did the <role> say?", and after either "and the <role>?"), when it names no one and one or two hold it."""
        if u.people or not where:
            return ()
        # "and the medical director?" (nothing but a role) after "who is …" or "what did … say"
        follows = resolved.reading.kind == "continue" and bool(u.content) and set(u.content) <= self._title_words \
            and bool((t := understand(resolved.reading.topic, self.names, self.vocab)).sayer or t.roles)
        words = u.content if u.roles or follows else terms(" ".join(u.sayer))
        at = [i for i, t in enumerate(words) if t in self._title_words]
        if not at or any(t not in self._title_words for t in words[at[0] : at[-1] + 1]):
            return ()  # the role as asked is no title's ("chief finance officer": no title has "finance")
        asked = {words[i] for i in at}  # all its role words: "medical", "director"
        if not asked & self.vocab.roles:  # "what did the staff say?": no role's head word
            return ()
        fits: dict[str, int] = {}  # holder -> the fewest words their fitting title has beyond those asked
        for p in self.facts.people:
            extra = [len(set(terms(r)) - asked) for r in p.roles if p.trust in where and answerable.fits_role(asked, r)]
            if extra:
                fits[p.name] = min(extra)
        # the title as asked before one that qualifies it: "the chair" is the Chair, not the Patient Council Chair
        exact = [name for name, extra in fits.items() if extra == 0]
        holders = exact or list(fits)
        return tuple(holders) if 1 <= len(holders) <= 2 else ()

    def _named(self, text: str) -> list[Speaker]:
        """The report's people named in `text`, with the roles the report gives them."""
        out = []
        for name in self.names.find_people(text):
            p = self._people.get(name)
            out.extend(Speaker(name, role, p.trust) for role in (p.roles or (None,))) if p else None
        return out

    def _within(self, query: str, scope: Sequence[str]) -> str:
        """The words BM25 ranks with inside `scope`: the scope's own names say nothing there ("swypt governance" is
        "governance" among SWYPT's chunks) but, being rare, would outweigh the rest; so they are left out, unless
        nothing else would be left. (The embedding keeps them: a name does not dominate a sentence vector.)"""
        if not scope or not self.config.strip_scope_names:
            return query
        stripped = self.names.strip(query, [m for m in self.names.find(query) if m.trust in scope])
        return stripped if set(terms(stripped)) - self.vocab.generic - QUESTION else query

    def _document_title(self, key: str) -> str:
        return self.document_names.get(key, key)

    def _allowed(self, trusts: Sequence[str], filters: Filters, kinds: Sequence[str] = ()) -> np.ndarray:
        """Chunks the question may be answered from: of `trusts` (when named), of the documents whose cases are
        `kinds` (their cases and their report-level text), and within the filters."""
        keep = np.ones(len(self.chunks), dtype=bool)
        if trusts:
            own = np.isin(self._trust, list(trusts))
            if self.config.report_mentions:  # the report's own text where it names the trust speaks of it too
                own[[p for t in trusts for p in self._mentions.get(t, ())]] = True
            keep &= own
        if kinds:
            of_kind = np.isin(self._trust, list(kinds))
            documents = list(set(self._document[of_kind]))
            keep &= of_kind | ((self._trust == "") & np.isin(self._document, documents))
        if filters.sections:
            keep &= np.isin(self._section, list(filters.sections))
        if filters.kinds:
            keep &= np.isin(self._kind, list(filters.kinds))
        if filters.documents:
            keep &= np.isin(self._document, list(filters.documents))
        return keep

    def _answer(self, q, u, resolved: Resolved, filters: Filters, embed, start: float, t_read: float) -> Answer:
        cfg = self.config
        reading = resolved.reading
        scope = reading.trusts
        eu = self._effective(u, resolved)
        own = self._parts_named(u) if cfg.parts_named and reading.kind == "continue" else ()
        if own:  # "what about the key themes?" after a question about a trust: the topic, within that part
            scope, reading = (), replace(reading, trusts=())
        parts = own or (self._parts_named(eu) if not scope and cfg.parts_named else ())
        if parts:  # "what does the foreword say about …": within that part of the report
            reading = replace(reading, notes=(*reading.notes, "within the report's " + " and ".join(parts)))
            resolved = replace(resolved, reading=reading)
        on_page = self._on_pages(eu.pages)
        if eu.pages and on_page.any():  # "what's on page 30?": that page (as the citations number them)
            where = " and ".join(map(str, eu.pages))
            reading = replace(reading, notes=(*reading.notes, f"within page{'s' if len(eu.pages) > 1 else ''} {where}"))
            resolved = replace(resolved, reading=reading)
        line = read_as(q, reading)
        if eu.pages and not on_page.any():
            last = max(c.page_end for c in self.chunks)
            return self._finish(q, resolved, [], abstained=True, line=line, start=start, without=(),
                                reason=f"The report's pages run from 1 to {last}.")
        coverage = answerable.covered(eu, self.trusts, cfg.unknown_share, cfg.check_measured_words,
                                      self._everywhere)
        if coverage.ok is False and eu.foreign:  # another organisation: say what the report covers, show nothing
            return self._finish(q, resolved, [], abstained=True, reason=coverage.reason, line=line, start=start,
                                without=())
        # words said ("who said the rating was a motivator?", a quoted phrase, what someone named thought of it) are
        # searched for, not rated; so is the rating of an organisation the report names but has no history for
        # ("had elft been rated outstanding?")
        # ("what rating did cornwall partnership get?", named by the words its printed name opens with, too)
        searched = eu.speech or eu.quoted or eu.people or eu.sayer or self._other_organisation(resolved.query) \
            or (bool(self._others_named(resolved.query)) and not eu.trusts)
        rating_ask = None if searched else ratings.rating_question(resolved.query, self.facts,
                                                                     eu.topic if cfg.bare_rating else None)
        if rating_ask is not None:
            return self._ratings(q, resolved, rating_ask, line, start)
        outside = [p for p in eu.people if filters.trusts and self._people.get(p) and self._people[p].trust
                   and self._people[p].trust not in filters.trusts]
        if outside and len(outside) == len(eu.people):  # everyone it names works elsewhere: say so, show nothing
            where = "; ".join(f"{p} is quoted for {self._people[p].trust}" for p in outside)
            return self._finish(q, resolved, [], abstained=True, line=line, start=start, without=(),
                                reason=f"{where}, outside your trust filter. Clearing the filters may find more.",
                                filters=filters,
                                headline=NOT_IN_FILTERS)
        kinds = eu.case_kind if not scope else ()  # "how did practices …" in a corpus of trusts and practices
        allowed = self._allowed(scope, filters, kinds)
        if parts and (allowed & np.isin(self._part, parts)).any():
            allowed &= np.isin(self._part, parts)
        if eu.pages:
            allowed &= on_page
        elsewhere = self._phrases_elsewhere(eu.quoted, allowed) if not filters.is_empty() else ""
        if elsewhere:  # the words the user quotes are printed, but only outside the filters: say where
            return self._finish(q, resolved, [], abstained=True, line=line, start=start, without=(),
                                reason=f"{elsewhere}, outside your filters. Clearing the filters may find more.",
                                filters=filters, headline=NOT_IN_FILTERS)
        holders = self._role_holders(u, resolved, scope or resolved.leaning) if cfg.role_holders else ()
        if holders:  # "who is the chief executive of sheffield?", "what did the nurse director say?" (at Oxleas)
            eu = replace(eu, people=holders, topic=tuple(t for t in eu.topic if t not in self._role_words))
        own_words = False
        if eu.people and not (eu.topic or eu.quoted) and cfg.own_words:  # "what did jane wells say?": her words
            theirs = allowed & self._voiced(eu.people)
            allowed, own_words = (theirs, True) if theirs.any() else (allowed, False)
        further = u.further and resolved.previous is not None and bool(resolved.previous.extracts) and cfg.more_is_new
        # "what else …?": not what was shown; "tell me more": the passage that answered best, then what was not shown
        if (u.more or further) and resolved.previous is not None and cfg.more_is_new:
            again = resolved.previous.extracts[0].chunk_id if further else None
            shown_before = np.isin(self._ids, [e.chunk_id for e in resolved.previous.extracts if e.chunk_id != again])
            if (allowed & ~shown_before).any():
                allowed = allowed & ~shown_before
        if not allowed.any():
            reason = "No passage has that trust, section and kind together; clear a filter to search more."
            return self._finish(q, resolved, [], abstained=True, reason=reason, line=line, start=start, without=(),
                                filters=filters, headline=FILTERS_EMPTY)
        vector = embed(resolved.query)
        t_embed = time.perf_counter()
        scores = self.index.scores(resolved.query, vector=vector, lexical_query=self._within(resolved.query, scope))
        headings = self._headings_named(eu) if cfg.heading_boost > 0 else frozenset()
        ranked = rank(self.index, scores, allowed, eu, cfg, resolved.seen, headings,
                      mentions_below=bool(scope) and cfg.report_mentions,
                      leaning=resolved.leaning if not filters.trusts else (),
                      phrases=self._typed_phrases(q) if cfg.typed_phrase_boost else ())
        # a question naming someone ("what did catherine carlick say?"): their words and the sentences naming them
        # score more, and "say" is no subject word (it would favour every "says" of the report's narration)
        asked = (u.people or holders) if cfg.person_sentence_bonus else ()
        qterms = set(eu.topic) if asked else set(eu.content)
        shown = tuple(e.text for e in resolved.previous.extracts) if resolved.previous and resolved.seen else ()
        scorer = SentenceScores(qterms, vector, self.bank, self.vocab, eu, cfg, shown, people=asked)
        theme = self._theme(eu) if cfg.theme_sections else frozenset()
        meant = self._theme_meant(scores.dense) if not theme and cfg.theme_similarity > 0 and not scope else frozenset()
        evidence = self._evidence(ranked, scorer, theme)
        selection = select(ranked, evidence, cfg, scope=scope, plural=eu.about_cases,
                           single=(eu.one_case or bool(eu.people)) and cfg.singular_focus, repeated=self.repeated,
                           theme=theme, named=headings, meant=meant)
        if eu.pages and not (eu.topic or eu.people or eu.quoted):  # the page itself, in reading order
            selection = replace(selection, chosen=tuple(sorted(ranked, key=lambda s: s.pos)[: cfg.max_extracts]),
                                about_trusts=False)
        outline = self._outline(eu, parts, ranked) if parts and not (eu.pages or own) else ()
        if outline:  # "what are the key themes?": the part itself, a passage per section, in reading order
            selection = replace(selection, chosen=outline, about_trusts=False)
        check = coverage if not coverage.ok or own_words else answerable.strong_enough(  # her words answer as such
            float(scores.dense[allowed].max()), float(scores.lexical[allowed].max()), cfg,
            named=bool(eu.trusts or eu.people or eu.quoted or scope or eu.pages
                       or set(eu.content) & set(self.vocab.idf)),
        )
        if check.ok and reading.kind == "switch" and cfg.switch_cut > 0:  # the last topic, asked of another trust
            check = self._scope_has_material(scores, filters, kinds, eu, scorer, evidence, scope, theme)
        t_rank = time.perf_counter()
        # short extracts only when many trusts must share the screen; with few, each is shown as a focused one
        about = selection.about_trusts and len(selection.strong) >= cfg.short_from_trusts
        words = cfg.breadth_paragraph_words if about else cfg.whole_paragraph_words
        ratio = cfg.breadth_bearing_ratio if about else cfg.bearing_ratio
        extracts = []
        for s in selection.chosen:
            nearest = selection.about_trusts and bool(s.chunk.trust) and s.chunk.trust not in selection.strong
            if nearest:  # a trust only above the floor: its nearest passage, short (its most bearing lines)
                shape = (cfg.breadth_paragraph_words, cfg.nearest_bearing_ratio, cfg.breadth_chunk_words)
            else:
                shape = (words, ratio, cfg.breadth_chunk_words if about else None)
            e = make_extract(s.pos, s.chunk, s.score, qterms, vector, self.bank, self.vocab, eu, cfg,
                             self.breaks[s.pos], shown, shape[0], shape[1], scorer=scorer, whole_chunk_words=shape[2])
            e = self._cite(e, eu.people)
            extracts.append(replace(e, nearest=True) if nearest else e)
        others = self._others_named(q)  # organisations it names that the report mentions but does not cover
        # "who is the chief executive of cqc?": a role at a body it names (printed in capitals, or by a name the
        # report prints), when no trust is named, needs the two named together, as for those organisations
        at_body = self._bodies_named(q) if eu.roles and not eu.trusts and cfg.role_at_body else ()
        if check.ok and cfg.check_answer_kind and at_body and not others:
            check = answerable.role_at_body(eu, extracts[: cfg.answer_check_extracts], at_body)
        if check.ok and cfg.check_answer_kind:
            check = answerable.holds_answer(resolved.query, eu, extracts[: cfg.answer_check_extracts], self._named,
                                            others, lambda t: t in self._lower_terms or t not in self.vocab.idf
                                            or len(t) < 5, lambda t: t in self.vocab.idf, self._names_a_body,
                                            scope if cfg.role_in_scope else ())
        if check.ok and cfg.check_rating and others and not u.trusts:  # the rating of one of them
            check = answerable.gives_rating(u, extracts[: cfg.answer_check_extracts],
                                            ratings.rating_sought(q, self.facts), self._rating_cues, others)
        if check.ok and cfg.check_sayer:
            check = answerable.quotes_sayer(eu, extracts[: cfg.answer_check_extracts], self._role_words,
                                            self.vocab.roles, scope)
        if check.ok and cfg.check_pending:
            check = answerable.still_to_come(resolved.query, eu, extracts[: cfg.answer_check_extracts])
        if check.ok and cfg.check_years:
            check = answerable.names_year(resolved.query, eu, extracts[: cfg.answer_check_extracts])
        abstained = not check.ok
        if abstained:
            extracts = extracts[: cfg.closest_shown]
        if further and not abstained and {e.chunk_id for e in extracts} <= {e.chunk_id for e in
                                                                            resolved.previous.extracts}:
            line = f"{line or ''} The report has nothing more on this than the last answer showed.".strip()
        without = self._without(selection, extracts, scope, abstained, kinds)
        timings = {"read_ms": (t_read - start) * 1e3, "embed_ms": (t_embed - t_read) * 1e3,
                   "retrieve_ms": (t_rank - t_embed) * 1e3}
        lead = None
        heads = list(dict.fromkeys(c.section for c, p in zip(self.chunks, self._part, strict=True)
                                   if p in parts and c.section)) if outline else []
        if len(heads) > 1 and not abstained:  # its sections' headings, in order, say what the part holds
            lead = f"The report's {' and '.join(parts)}, section by section: {'; '.join(heads)}."
        return self._finish(q, resolved, extracts, abstained=abstained, reason=check.reason, line=line,
                            start=start, without=without, about=selection.about_trusts and not abstained,
                            timings=timings, filters=filters, lead=lead)

    def _evidence(self, ranked, scorer: SentenceScores, theme: frozenset[str] = frozenset()) -> dict[int, float]:
        """Chunk position -> its best sentence's score, for the chunks worth asking: the first `evidence_depth`
        overall, the first few of each trust (so every trust gets a fair hearing) and those under `theme`'s
        headings."""
        depth, per_trust = self.config.evidence_depth, self.config.evidence_per_trust
        picked, seen_per = [], {}
        for i, s in enumerate(ranked):
            n = seen_per.get(s.chunk.trust, 0)
            if i < depth or n < per_trust or s.chunk.section in theme:
                picked.append(s)
            seen_per[s.chunk.trust] = n + 1
        return {s.pos: max(scorer.of(s.pos, s.chunk)) for s in picked}

    def _scope_has_material(self, scores, filters: Filters, kinds, eu: Understanding, scorer: SentenceScores,
                            evidence: dict[int, float], scope: Sequence[str], theme: frozenset[str]
                            ) -> answerable.Check:
        """Whether the trusts a topic is moved to speak to it at all: their best passage must reach `switch_cut` of the
        best passage anywhere, unless they have a section under a heading that names the topic ("what about
        lincolnshire?" after a question only Oxleas answers is not answered with whatever Lincolnshire text comes
        nearest)."""
        if any(set(scope) & self._section_trusts[t] for t in theme):
            return answerable.OK
        wide = rank(self.index, scores, self._allowed((), replace(filters, trusts=()), kinds), eu, self.config)
        best_anywhere = max(self._evidence(wide, scorer).values(), default=0.0)
        best_here = max(evidence.values(), default=0.0)
        if best_anywhere > 0 and best_here < self.config.switch_cut * best_anywhere:
            where = " and ".join(self.names.short(t) for t in scope)
            return answerable.Check(False, f"The report says nothing about this for {where}; the closest "
                                           "material there is below.")
        return answerable.OK

    def _phrases_elsewhere(self, phrases: Sequence[str], allowed: np.ndarray) -> str:
        """For quoted phrases printed in no allowed chunk but in others: where they are (empty when any is found
        within the filters, or nowhere)."""
        if not phrases:
            return ""
        wanted = [normalise_ws(p).lower() for p in phrases]
        holding = [i for i, text in enumerate(self._plain) if any(w in text for w in wanted)]
        if not holding or any(allowed[i] for i in holding):
            return ""
        where = dict.fromkeys(self.names.short(self.chunks[i].trust) if self.chunks[i].trust else "the report's own "
                              "text" for i in holding)
        return f"“{phrases[0]}” is printed in {', '.join(where)}"

    def _voiced(self, people: Sequence[str]) -> np.ndarray:
        """Chunks holding words that one of `people` says (a quotation credited to them, or their pull quote)."""
        named = set(people)
        return np.array([bool(named & voices) for voices in self._voices], dtype=bool)

    def _theme(self, u: Understanding) -> frozenset[str]:
        """The trusts' section headings that name the question's subject: each holds all its subject words (words
        of saying aside), or, for three or more, `theme_share` of them ("respond to the initial inspection report":
        "Reaction to the initial inspection report"), or the question names the whole heading ("how was governance
        changed?": "Governance"); empty unless they head sections of two or more trusts."""
        titles = self._headings_named(u) & set(self._section_trusts)
        trusts = set().union(*(self._section_trusts[t] for t in titles))
        return titles if len(trusts) >= 2 else frozenset()

    def _theme_meant(self, dense: np.ndarray) -> frozenset[str]:
        """The heading several trusts share whose sections are nearest the question in meaning (each trust's nearest
        passage under it, averaged over the trusts), when near enough."""
        means = sorted(((float(np.mean([dense[m].max() for m in masks if m.any()])), title)
                        for title, masks in self._shared_headings.items() if any(m.any() for m in masks)), reverse=True)
        return frozenset({means[0][1]}) if means and means[0][0] >= self.config.theme_similarity else frozenset()

    def _outline(self, u: Understanding, parts: Sequence[str], ranked: Sequence[Scored]) -> tuple[Scored, ...]:
        """For a question that names parts of the report and asks nothing else of them ("what are the key themes?",
        "what does the foreword say?"): the first passage of each of their sections, in reading order (at most
        `max_extracts`); else none."""
        named = {t for p in parts for t in self._part_terms.get(p, ())}
        if u.want != "any" or u.people or u.quoted or set(u.topic) - named - self._everywhere:
            return ()
        inside = [s for s in ranked if self._part[s.pos] in parts]
        firsts: dict[str, Scored] = {}
        for s in sorted(inside, key=lambda s: (s.chunk.kind == "quote", s.pos)):  # running text before pull quotes
            firsts.setdefault(s.chunk.section or "", s)
        chosen = sorted(firsts.values(), key=lambda s: s.pos)[: self.config.max_extracts]
        rest = [s for s in sorted(inside, key=lambda s: s.pos) if s not in chosen and s.chunk.kind != "quote"]
        chosen += rest[: self.config.max_extracts - len(chosen)]  # a part of one section: its passages in order
        return tuple(sorted(chosen, key=lambda s: s.pos))

    def _parts_named(self, u: Understanding) -> tuple[str, ...]:
        """The parts of the document (ingest's labels: "foreword", "key themes") whose every word the question
        uses."""
        asked = set(u.content)
        return tuple(p for p, words in self._part_terms.items() if words <= asked)

    def _headings_named(self, u: Understanding) -> frozenset[str]:
        """The report's section headings that name the question's subject (the rule of `_theme`), any section."""
        asked = set(u.topic)
        if not asked:
            return frozenset()
        need = len(asked) if len(asked) < 3 else math.ceil(self.config.theme_share * len(asked))

        def names(heading: set[str]) -> bool:
            return bool(heading) and (len(asked & heading) >= need or heading <= asked)  # or names it whole

        return frozenset(t for t, heading in self._heading_terms.items() if names(heading))

    def _without(
        self, selection: Selection, extracts: Sequence[Extract], scope: Sequence[str], abstained: bool,
        kinds: Sequence[str] = (),
    ) -> tuple[str, ...]:
        """Trusts the question is about that have nothing relevant — never one whose extracts are shown."""
        shown = {e.trust for e in extracts}
        if scope:
            return tuple(t for t in scope if t not in shown)
        if selection.about_trusts and not abstained:
            return tuple(t for t in kinds or self.trusts if t not in shown and t not in selection.material)
        return ()

    def _in_passage(self, e: Extract) -> Extract:
        """`e` with the running text around its chunk: the nearest body or list chunk of the same trust and section
        on each side (boxes and pull quotes in between are skipped: they are printed apart from the text)."""
        pos = self._positions.get(e.chunk_id)
        if pos is None:
            return e
        chunk = self.chunks[pos]

        def near(step: int) -> str:
            i = pos + step
            while 0 <= i < len(self.chunks):
                c = self.chunks[i]
                if c.trust != chunk.trust or c.section != chunk.section or c.document != chunk.document:
                    return ""
                if c.kind in ("body", "bullets"):
                    return c.text
                i += step
            return ""

        doc = self.documents.get(chunk.document)
        return replace(e, before=near(-1), after=near(1), document=asdict(doc) if doc else None,
                       report=self.document_names[doc.key] if doc and len(self.documents) > 1 else None)

    def _finish(
        self,
        q: str,
        resolved: Resolved,
        extracts: Sequence[Extract],
        *,
        abstained: bool,
        reason: str,
        line: str | None,
        start: float,
        without: Sequence[str],
        about: bool = False,
        lead: str | None = None,
        timings: dict[str, float] | None = None,
        filters: Filters | None = None,
        headline: str | None = None,
        at_a_glance: bool = True,
    ) -> Answer:
        extracts = [self._in_passage(e) for e in extracts]
        if abstained and headline is None:
            filtered = filters is not None and not filters.is_empty()
            headline = NOT_IN_FILTERS if filtered else NOT_ANSWERED
            if filtered:
                reason = f"{reason} Clearing the filters may find more.".strip()
        covered = tuple(dict.fromkeys(e.trust for e in extracts if e.trust))
        lines = () if abstained or not extracts or not at_a_glance else tuple(glance(extracts, about))
        text = compose(extracts, glance_lines=lines, abstained=abstained, reason=reason, headline=headline or "",
                       read_as=line, lead=lead,
                       about_trusts=about, covered=covered, missing=without, filters=filters, short=self.names.short,
                       title=self._document_title)
        done = {**(timings or {}), "total_ms": (time.perf_counter() - start) * 1e3}
        return Answer(
            question=q,
            query=resolved.query,
            text=text,
            extracts=tuple(extracts),
            trusts_covered=covered,
            trusts_without_material=tuple(without),
            abstained=abstained,
            timings={k: round(v, 2) for k, v in done.items()},
            reading=resolved.reading,
            glance=lines,
            headline=(headline or "") if abstained else "",
            reason=reason if abstained else "",
            lead=(lead or "").strip() if not abstained else "",
        )

    def _cite(self, e: Extract, asked: Sequence[str] = ()) -> Extract:
        """`e` citing first the people the question asks about, where their words are in it, else whoever's view
        its best line retells (`reported_views`)."""
        theirs = [s for s in e.speakers if s.name in asked]
        if theirs and self.config.asked_first:  # "what did kirsty booth say?": her, not who is quoted before her
            return replace(e, speaker=theirs[0], speakers=(*theirs, *(s for s in e.speakers if s not in theirs)))
        return with_reported(e, self._cited) if self.config.reported_views else e

    def _other_organisation(self, text: str) -> bool:
        """`text` names, in full as the report prints it, an organisation that is not one of its cases (a name run
        ending with a word the cases' names share: "East London NHS Foundation Trust")."""
        low = text.lower()
        return any(n in low for n in self._other_organisations)

    def _typed_phrases(self, text: str) -> tuple[str, ...]:
        """Runs of the question's words, unquoted, that the report prints as they are in only a few passages (at most
        `phrase_chunks`): two or more words, opening and closing on a word that is not a small one ("listening into
        action", "burning platform"); the longest first, none inside another."""
        typed = words(text)
        found: list[str] = []
        for n in range(min(6, len(typed)), 1, -1):
            for i in range(len(typed) - n + 1):
                run = typed[i : i + n]
                if run[0] in STOP or run[-1] in STOP or run[0] in QUESTION or run[-1] in QUESTION:
                    continue
                phrase = " ".join(run)
                if any(pair not in self._pairs for pair in itertools.pairwise(run)) or any(phrase in f for f in found) \
                        or phrase not in self._plain_all:  # (cheap tests first: most runs are printed nowhere)
                    continue
                k = sum(phrase in t for t in self._plain_texts)
                if 0 < k <= self.config.phrase_chunks:
                    found.append(phrase)
        return tuple(found)

    def _names_a_body(self, text: str) -> bool:
        """`text` names an organisation or body by a name the report prints ("NHS Improvement")."""
        return any(n in text for n in self._bodies)

    def _bodies_named(self, text: str) -> tuple[str, ...]:
        """The bodies `text` names: words the report prints in capitals ("cqc"), or names it prints ("NHS
        Improvement"), as typed."""
        low = f" {' '.join(words(text))} "
        named = [n for n in self._bodies if f" {' '.join(words(n))} " in low]
        return (*named, *(w for w in dict.fromkeys(words(text)) if w in self._capitals))

    def _others_named(self, text: str) -> tuple[str, ...]:
        """The organisations outside the cases that `text` names by the words their printed names open with, up to
        the words the cases' names share ("mersey care" of "Mersey Care NHS Foundation Trust")."""
        low = f" {' '.join(words(text))} "
        return tuple(name for lead, name in self._other_leads.items() if f" {lead} " in low)

    def _who(self, q: str, resolved: Resolved) -> Answer:
        prev = resolved.previous
        assert prev is not None
        spoken = [e for e in prev.extracts if e.speakers or e.speaker]
        extracts = list(prev.extracts)  # numbered as they were: "[2]" means what it meant
        notes = "; ".join(resolved.reading.notes)
        line = f"Read as: who is quoted in the last answer (to “{prev.question}”){' (' + notes + ')' if notes else ''}."
        if spoken:
            lead = who_lead(extracts, self.names.short, narrated=len(spoken) < len(prev.extracts))
            return self._finish(q, resolved, extracts, abstained=prev.abstained, reason="", line=line,
                                start=time.perf_counter(), without=(), lead=lead, at_a_glance=False)
        reason = "The extracts in the last answer are the report's own words; it names no speaker for them."
        return self._finish(q, resolved, extracts, abstained=True, reason=reason, line=line,
                            start=time.perf_counter(), without=())

    def _ratings(self, q: str, resolved: Resolved, ask: ratings.RatingAsk, line: str | None, start: float) -> Answer:
        cases, fit = ratings.answer_cases(self.facts, ask, resolved.reading.trusts)
        extracts = []
        for case in cases:
            pos = self._positions[case.rating_chunk]
            chunk = self.chunks[pos]
            a, b = ratings.printed_lines(chunk)
            text = chunk.text[a:b]
            extracts.append(Extract(
                text=text, context=chunk.text, chunk_id=chunk.id, trust=chunk.trust, section=chunk.section,
                page=chunk.page, page_end=chunk.page_end, kind=chunk.kind, title=chunk.title, speaker=None,
                score=1.0, highlights=((0, len(text)),), best=text,
            ))
        printed = [self.names.short(c.name) for c in self.facts.cases
                   if ask.unmatched and any(ask.unmatched.lower() in r.text.lower() for r in c.ratings)]
        if ask.unmatched and printed:  # not a trust's rating, but printed in a history (a service's, say)
            lead = (f"No trust is rated “{ask.unmatched}” in the report's rating histories, but the word appears in "
                    f"the history of {', '.join(printed)} (read it below). The histories, newest first:")
        elif ask.unmatched:
            lead = f"No trust's rating history in the report includes “{ask.unmatched}”. Their histories, newest first:"
        elif fit:
            lead = "Rating histories as printed at the start of each case study (newest first):"
        else:
            lead = "No trust's rating history in the report shows that. Their histories, newest first:"
        years = [y for y in dict.fromkeys(YEAR.findall(resolved.query)) if not any(y in e.text for e in extracts)]
        if years and self.config.check_years:  # "its 2018 inspection": no history printed here has that year
            reason = (f"The rating histories the report prints give no rating from {', '.join(years)}; "
                      "the closest are below.")
            return self._finish(q, resolved, extracts, abstained=True, reason=reason, line=line, start=start,
                                without=())
        reading = replace(resolved.reading, trusts=resolved.reading.trusts)
        return self._finish(q, replace(resolved, reading=reading), extracts, abstained=False, reason="", line=line,
                            start=start, without=(), lead=lead, about=len(extracts) > 1)  # a glance line per trust
