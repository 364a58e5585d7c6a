"""Show, for one eval query, the top hits and the judged items the search missed.

    python notebooks/eval_debug.py q05 [--db /tmp/kbfull] [--mode hybrid]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from kb.config import load_settings
from kb.evaluate import load_queries, matches
from kb.search import Searcher

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "queries.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("qid")
    ap.add_argument("--db", default="kb-data")
    ap.add_argument("--mode", default="hybrid")
    a = ap.parse_args()
    q = next(q for q in load_queries(EVAL) if q["id"] == a.qid)
    s = Searcher(load_settings(a.db))
    today = dt.date.fromisoformat(q["asked_on"]) if q.get("asked_on") else None
    res = s.search(q["query"], k=10, mode=a.mode, today=today)
    print(q["query"], res.filters.get("parsed"), res.query_entities)
    for h in res.results:
        r = {"date": h.date, "url": h.url, "title": h.title, "text": h.text}
        g = max((j["grade"] for j in q["relevant"] if matches(r, j)), default=0)
        print(f"  [{g}] {h.date} {h.title[:50]}  {h.entities[:5]}  {h.ranks}")
    print("missed:")
    for j in q["relevant"]:
        hit = any(matches({"date": h.date, "url": h.url, "title": h.title, "text": h.text}, j) for h in res.results)
        if not hit:
            cands = [it for it in s.store.items(date=j["date"])
                     if matches({"date": it.date, "url": it.url, "title": it.title, "text": it.text}, j)]
            for it in cands[:1]:
                print(f"  ({j['grade']}) {j['date']} {it.title[:50]}  {list(it.entities)[:6]}")
            if not cands:
                print(f"  ({j['grade']}) {j['date']} NOT IN STORE: {j['title_contains']}")


if __name__ == "__main__":
    main()
