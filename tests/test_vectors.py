"""kb.vectors against an embedded persist directory and a real `chroma run` server."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from kb.errors import IndexMismatch, KBError, QueryError
from kb.vectors import VectorIndex

DIM = 8
MODEL = "test-model"


def unit_rows(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.fixture(params=["persistent", "http"])
def where_to(request, tmp_path):
    """Keyword arguments for VectorIndex.open: a fresh directory or a fresh server collection."""
    if request.param == "persistent":
        return {"path": tmp_path / "vectors", "collection": "items"}
    url = request.getfixturevalue("chroma_server")
    return {"url": url, "collection": f"t{uuid.uuid4().hex[:10]}"}


def open_index(where_to, model=MODEL, dim=DIM, **kw) -> VectorIndex:
    return VectorIndex.open(**where_to, model=model, dim=dim, **kw)


def test_round_trip_survives_reopen(where_to):
    vecs = unit_rows(50)
    ids = [f"item-{i}" for i in range(50)]
    metas = [{"source": "a" if i % 2 else "b", "n": i} for i in range(50)]
    with open_index(where_to) as index:
        assert index.count() == 0 and index.ids() == set()
        index.upsert(ids, vecs, metas)
        assert index.count() == 50
        assert index.ids() == set(ids)

        hits = index.query(vecs[3], 5)
        assert hits[0][0] == "item-3"
        assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        # scores are cosine similarities
        expected = {f"item-{i}": float(vecs[i] @ vecs[3]) for i in range(50)}
        for hit_id, score in hits:
            assert score == pytest.approx(expected[hit_id], abs=1e-4)

        index.delete(ids[:10] + ["never-there"])
        assert index.count() == 40
        assert index.ids() == set(ids[10:])
        assert "item-3" not in {i for i, _ in index.query(vecs[3], 40)}
        before = index.query(vecs[20], 5)

    with open_index(where_to) as again:
        assert again.count() == 40
        assert again.ids() == set(ids[10:])
        after = again.query(vecs[20], 5)
        assert [i for i, _ in after] == [i for i, _ in before]
        assert [s for _, s in after] == pytest.approx([s for _, s in before])


def test_upsert_replaces_and_filters(where_to):
    vecs = unit_rows(20, seed=1)
    ids = [f"x{i}" for i in range(20)]
    metas = [{"source": "even" if i % 2 == 0 else "odd", "tags": ["AI", f"t{i % 3}"]}
             for i in range(20)]
    with open_index(where_to) as index:
        index.upsert(ids, vecs, metas)
        # replace x0's vector with x1's direction: count unchanged, x0 now matches it
        index.upsert(["x0"], vecs[1], [{"source": "even"}])
        assert index.count() == 20
        top = dict(index.query(vecs[1], 2))
        assert set(top) == {"x0", "x1"}
        assert top["x0"] == pytest.approx(1.0, abs=1e-4)

        odd = index.query(vecs[2], 20, where={"source": "odd"})
        assert len(odd) == 10 and all(int(i[1:]) % 2 == 1 for i, _ in odd)
        tagged = index.query(vecs[2], 20, where={"tags": {"$contains": "t2"}})
        assert {i for i, _ in tagged} == {f"x{i}" for i in range(20) if i % 3 == 2}

        restricted = index.query(vecs[5], 10, ids=["x5", "x7", "x9", "x9"])
        assert [i for i, _ in restricted][0] == "x5"
        assert {i for i, _ in restricted} == {"x5", "x7", "x9"}

        assert len(index.query(vecs[0], 1000)) == 20  # k above count is fine
        assert index.query(vecs[0], 0) == []
        assert index.query(vecs[0], 5, ids=[]) == []
        # unknown or deleted ids in the restriction are ignored (chroma itself errors)
        index.delete(["x7"])
        assert {i for i, _ in index.query(vecs[5], 10, ids=["x5", "x7", "nope"])} == {"x5"}
        assert index.query(vecs[5], 10, ids=["nope"]) == []
        with pytest.raises(QueryError):
            index.query(vecs[0], 5, where={"source": {"$bogus": 1}})


def test_batches_and_empty_metadata(where_to):
    vecs = unit_rows(30, seed=2)
    ids = [f"b{i:02d}" for i in range(30)]
    with open_index(where_to) as index:
        index._batch_size = 7  # force several batches for upsert, delete and ids()
        index.upsert(ids, vecs, [{} for _ in ids])  # chroma rejects {}: must become None
        assert index.count() == 30
        assert index.ids() == set(ids)
        index.delete(ids[:15])
        assert index.ids() == set(ids[15:])


def test_reset_empties_and_stays_usable(where_to):
    with open_index(where_to) as index:
        index.upsert(["a1", "a2"], unit_rows(2))
        index.reset()
        assert index.count() == 0
        assert index.query(unit_rows(1)[0], 3) == []
        index.upsert(["a3"], unit_rows(1, seed=5))
        assert index.ids() == {"a3"}


def test_manifest_mismatch(where_to):
    with open_index(where_to) as index:
        index.upsert(["m1"], unit_rows(1))

    with pytest.raises(IndexMismatch) as err:
        open_index(where_to, model="other-model")
    msg = str(err.value)
    assert f"built with {MODEL} ({DIM}-d)" in msg
    assert "KB_EMBED_MODEL is other-model (8-d)" in msg
    assert "kb reindex" in msg

    with pytest.raises(IndexMismatch, match=r"\(16-d\)"):
        open_index(where_to, dim=16)

    # what `kb reindex` does: start over with the new model
    with open_index(where_to, model="other-model", dim=16, reset=True) as rebuilt:
        assert rebuilt.count() == 0
        rebuilt.upsert(["m1"], unit_rows(1, dim=16))
    with open_index(where_to, model="other-model", dim=16) as reopened:
        assert reopened.count() == 1
    with pytest.raises(IndexMismatch):
        open_index(where_to)

    # the other way `kb reindex` can start over: drop without knowing the old model
    VectorIndex.drop(**where_to)
    VectorIndex.drop(**where_to)  # dropping twice is fine
    with open_index(where_to) as fresh:
        assert fresh.count() == 0


def test_bad_shapes(where_to):
    with open_index(where_to) as index:
        with pytest.raises(ValueError, match="shape"):
            index.upsert(["a", "b"], unit_rows(3))
        with pytest.raises(ValueError, match="shape"):
            index.upsert(["a"], unit_rows(1, dim=4))
        with pytest.raises(ValueError, match="duplicate"):
            index.upsert(["a", "a"], unit_rows(2))
        with pytest.raises(ValueError, match="dimension"):
            index.query(np.ones(3, dtype=np.float32), 1)


def test_open_needs_exactly_one_location(tmp_path):
    with pytest.raises(ValueError):
        VectorIndex.open(model=MODEL, dim=DIM)
    with pytest.raises(ValueError):
        VectorIndex.open(path=tmp_path, url="http://127.0.0.1:1", model=MODEL, dim=DIM)


def test_unreachable_server_is_a_clear_error():
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(KBError, match="cannot reach a chroma server"):
        VectorIndex.open(url=f"http://127.0.0.1:{port}", model=MODEL, dim=DIM)


def test_foreign_collections_are_refused(tmp_path):
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(tmp_path), settings=Settings(anonymized_telemetry=False))
    # right manifest, wrong distance (chroma's default is l2)
    client.create_collection("l2items", metadata={"kb_model": MODEL, "kb_dim": DIM},
                             embedding_function=None)
    # vectors but no manifest at all
    bare = client.create_collection("bare", embedding_function=None)
    bare.add(ids=["z"], embeddings=unit_rows(1))
    # an empty collection without manifest is simply taken over
    client.create_collection("empty", embedding_function=None)
    client.close()

    with pytest.raises(IndexMismatch, match="l2 distance"):
        VectorIndex.open(path=tmp_path, collection="l2items", model=MODEL, dim=DIM)
    with pytest.raises(IndexMismatch, match="no record of the model"):
        VectorIndex.open(path=tmp_path, collection="bare", model=MODEL, dim=DIM)
    with VectorIndex.open(path=tmp_path, collection="empty", model=MODEL, dim=DIM) as index:
        index.upsert(["e1"], unit_rows(1))
    with VectorIndex.open(path=tmp_path, collection="empty", model=MODEL, dim=DIM) as index:
        assert index.ids() == {"e1"}
