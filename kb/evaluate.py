"""Retrieval evaluation: nDCG@10, Recall@10 (plain and capped) and MRR per mode and type.

Implements the judgment format and matching rules of ``../shared/eval/README.md`` (date +
url, or date + title substring; greedy one-to-one assignment in rank order) so that the
figures equal those of its ``score.py`` (checked in tests/test_evaluate.py). Queries are
sent as raw text: the engine must find dates itself; ``asked_on`` is the reference date.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

K = 10
METRICS = ("ndcg@10", "recall@10", "capped_recall@10", "mrr")


def load_queries(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _norm(s: str | None) -> str:
    return unicodedata.normalize("NFKC", s or "").casefold()


def matches(result: dict, judgment: dict) -> bool:
    if (result.get("date") or "") != judgment["date"]:
        return False
    ju, ru = judgment.get("url"), result.get("url")
    if ju and ru and ru.strip() == ju.strip():
        return True
    needle = _norm(judgment["title_contains"])
    return needle in _norm(result.get("title")) or needle in _norm(result.get("text"))


def score_ranked(judgments: Sequence[dict], results: Sequence[dict], k: int = K) -> dict[str, float]:
    """Scores of one ranked list against its judgments."""
    used = [False] * len(judgments)
    gains: list[int] = []
    first_hit = 0
    for rank, r in enumerate(results[:k], start=1):
        best = None
        for j, jd in enumerate(judgments):
            if not used[j] and matches(r, jd) and (best is None or jd["grade"] > judgments[best]["grade"]):
                best = j
        if best is None:
            gains.append(0)
            continue
        used[best] = True
        gains.append(2 ** judgments[best]["grade"] - 1)
        first_hit = first_hit or rank
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2 ** j["grade"] - 1 for j in judgments), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    matched = sum(used)
    n = len(judgments)
    return {
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "recall@10": matched / n if n else 0.0,
        "capped_recall@10": matched / min(k, n) if n else 0.0,
        "mrr": 1.0 / first_hit if first_hit else 0.0,
    }


def _mean(rows: list[dict]) -> dict[str, float]:
    return {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in METRICS} if rows else {}


def evaluate(
    searcher,
    queries: Sequence[dict],
    modes: Sequence[str],
    *,
    k: int = K,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> dict:
    """Run every query in every mode; macro averages overall and per query type, the
    per-query rows, and for time-scoped queries the hits that fall outside their dates."""
    report: dict = {"queries": len(queries), "modes": {}}
    for mode in modes:
        per_query = []
        for q in (queries if progress is None else progress(queries)):
            today = dt.date.fromisoformat(q["asked_on"]) if q.get("asked_on") else None
            res = searcher.search(q["query"], k=k, mode=mode, today=today)
            results = [{"date": h.date, "url": h.url, "title": h.title, "text": h.text} for h in res.results]
            row = {"id": q["id"], "type": q.get("type"), "query": q["query"],
                   **score_ranked(q["relevant"], results, k)}
            if q.get("since") or q.get("until"):
                row["out_of_range"] = sum(
                    1 for h in res.results
                    if (q.get("since") and h.date < q["since"]) or (q.get("until") and h.date > q["until"])
                )
            per_query.append(row)
        by_type = defaultdict(list)
        for row in per_query:
            by_type[row["type"]].append(row)
        report["modes"][mode] = {
            "all": _mean(per_query),
            "by_type": {t: _mean(rows) for t, rows in sorted(by_type.items())},
            "out_of_range": sum(r.get("out_of_range", 0) for r in per_query),
            "per_query": per_query,
        }
    return report
