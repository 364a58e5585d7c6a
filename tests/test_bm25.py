"""The fast BM25 must score exactly like the reference rank_bm25.BM25Okapi."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from kb.bm25 import BM25Index

CORPUS = [
    ["智谱", "发布", "glm-4.7", "开源", "模型"],
    ["字节跳动", "投入", "算力", "模型", "模型"],
    ["谷歌", "收购", "清洁能源", "公司"],
    ["openai", "浏览器", "安全", "模型"],
    ["模型"],
    ["钉钉", "发布", "agent", "os"],
]


def test_scores_match_rank_bm25_including_negative_idf_floor():
    ref = BM25Okapi(CORPUS)
    ours = BM25Index.build(CORPUS)
    for q in (["模型"], ["智谱", "glm-4.7"], ["发布", "发布", "模型"], ["不存在"], []):
        np.testing.assert_allclose(ours.scores(q), ref.get_scores(q), rtol=1e-5, atol=1e-6)


words = st.sampled_from(["a", "b", "c", "d", "e", "模型", "发布", "智谱", "glm-4.7"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=12), min_size=1, max_size=15),
       st.lists(words, max_size=5))
def test_parity_property(corpus, query):
    np.testing.assert_allclose(
        BM25Index.build(corpus).scores(query), BM25Okapi(corpus).get_scores(query), rtol=1e-4, atol=1e-5
    )


def test_save_and_load_round_trip(tmp_path):
    idx = BM25Index.build(CORPUS)
    idx.save(tmp_path)
    again = BM25Index.load(tmp_path)
    np.testing.assert_allclose(again.scores(["模型", "智谱"]), idx.scores(["模型", "智谱"]))


def test_matches_includes_documents_whose_score_is_not_positive():
    """A term in more than half the documents has a floored (or zero) IDF; a document
    containing it still matches the query."""
    corpus = [["智谱", "发布"], ["智谱"]]  # 智谱 in every document: idf < 0 -> epsilon floor
    idx = BM25Index.build(corpus)
    assert idx.matches(["智谱"]).tolist() == [True, True]
    assert idx.matches(["不存在"]).tolist() == [False, False]
    two = BM25Index.build([["a"], ["b"]])  # df = N/2: idf exactly 0
    assert two.scores(["a"]).tolist() == [0.0, 0.0] and two.matches(["a"]).tolist() == [True, False]
