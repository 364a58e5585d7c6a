"""kb eval scores like the reference score.py, and BM25 quality on the eval set holds."""

from __future__ import annotations

import importlib.util
import random

import pytest

from kb.config import Settings
from kb.entities import default_tagger
from kb.evaluate import evaluate, load_queries, score_ranked
from kb.index import update_indexes
from kb.ingest import ingest
from kb.search import Searcher
from kb.store import Store

from .conftest import CORPUS, EVAL, needs


def _reference():
    spec = importlib.util.spec_from_file_location("score_ref", EVAL / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@needs(EVAL)
def test_scores_equal_the_reference_scorer():
    ref = _reference()
    queries = load_queries(EVAL / "queries.jsonl")
    rng = random.Random(7)
    for q in queries:
        pool = [{"date": j["date"], "url": j["url"] if rng.random() < 0.5 else None,
                 "title": j["title_contains"] if rng.random() < 0.7 else "x", "text": ""}
                for j in q["relevant"]]
        pool += [{"date": "2025-01-01", "url": None, "title": "noise", "text": ""}] * 5
        rng.shuffle(pool)
        ours = score_ranked(q["relevant"], pool)
        nd, rc, rcap = ref.score_query(q["relevant"], pool)
        assert ours["ndcg@10"] == pytest.approx(nd) and ours["recall@10"] == pytest.approx(rc)
        assert ours["capped_recall@10"] == pytest.approx(rcap)


def test_mrr_and_empty_results():
    judg = [{"date": "2025-12-24", "url": "u", "title_contains": "智谱", "grade": 2}]
    assert score_ranked(judg, [])["mrr"] == 0.0
    res = [{"date": "2025-12-24", "title": "无关"}, {"date": "2025-12-24", "title": "智谱发布"}]
    assert score_ranked(judg, res)["mrr"] == 0.5


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory):
    settings = Settings(db_dir=tmp_path_factory.mktemp("evalkb"))
    tagger = default_tagger()
    with Store.create(settings.store_path) as store:
        ingest([CORPUS], store, tagger)
        update_indexes(settings, store, tagger, vectors=False)
    return settings


@needs(CORPUS)
@needs(EVAL)
def test_bm25_quality_on_the_eval_set(corpus_kb):
    """Guards the lexical path (segmentation, entity tokens, date parsing) against
    regressions; hybrid figures need the full embedded corpus and live in `kb eval`."""
    s = Searcher(corpus_kb)
    try:
        rep = evaluate(s, load_queries(EVAL / "queries.jsonl"), ["bm25"])["modes"]["bm25"]
    finally:
        s.close()
    assert rep["all"]["ndcg@10"] >= 0.65
    assert rep["by_type"]["a"]["capped_recall@10"] >= 0.85
    assert rep["out_of_range"] == 0  # time-scoped queries stay inside their dates
