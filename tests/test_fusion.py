from hypothesis import given
from hypothesis import strategies as st

from kb.fusion import rrf


def test_rrf_prefers_items_ranked_high_in_both():
    fused = rrf({"bm25": ["a", "b", "c"], "dense": ["b", "a", "d"]})
    assert [d for d, _ in fused][:2] in (["a", "b"], ["b", "a"])
    assert {d for d, _ in fused} == {"a", "b", "c", "d"}


def test_weights_zero_ignores_a_ranking():
    fused = rrf({"bm25": ["a", "b"], "dense": ["z", "y"]}, {"bm25": 1.0, "dense": 0.0})
    assert [d for d, _ in fused] == ["a", "b"]


ids = st.lists(st.sampled_from("abcdefghij"), unique=True, max_size=10)


@given(ids, ids)
def test_fused_is_sorted_and_unique(a, b):
    fused = rrf({"x": a, "y": b}, {"x": 1.0, "y": 0.5})
    docs = [d for d, _ in fused]
    assert len(docs) == len(set(docs)) == len(set(a) | set(b))
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)
