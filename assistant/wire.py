"""One answer as a JSON object, with the same keys wherever scripts read it: `python -m assistant batch`,
`python -m assistant ask --json` and the page's `/ask` API.

Keys: question, query, answer (the markdown, glance lines first), extracts (extract n is `extracts[n-1]`, each
with its citation), trusts_covered, trusts_without_material, abstained, reading, glance, lead (what the extracts
are, when the answer says so first: who is quoted in the last answer, or the rating histories). Callers add their own
(batch: id and latency_ms; the API: error). Left out: stage timings (they are for benchmarks, not answers).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from assistant.records import Answer


def answer_record(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "query": answer.query,
        "answer": answer.text,
        "extracts": [{**e.to_dict(), "citation": e.citation()} for e in answer.extracts],
        "trusts_covered": list(answer.trusts_covered),
        "trusts_without_material": list(answer.trusts_without_material),
        "abstained": answer.abstained,
        "reading": answer.reading.to_dict() if answer.reading else None,
        "glance": [asdict(g) for g in answer.glance],
        "lead": answer.lead,
    }
