"""Search end to end on real data: real m3e-small, real chromadb (embedded and server)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from kb.config import Settings
from kb.entities import default_tagger
from kb.errors import IndexMismatch, QueryError
from kb.index import update_indexes
from kb.ingest import ingest
from kb.search import Searcher
from kb.store import Store

from .conftest import SEED

FIXTURES = Path(__file__).parent / "fixtures"


def build(db_dir: Path, files: list[Path], *, chroma_url: str | None = None, model: str = "m3e-small") -> Settings:
    settings = Settings(db_dir=db_dir, embed_model=model, chroma_url=chroma_url)
    src = db_dir.parent / f"{db_dir.name}-src"
    src.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, src / f.name)
    tagger = default_tagger()
    with Store.create(settings.store_path) as store:
        ingest([src], store, tagger)
        settings_report = update_indexes(settings, store, tagger)
    assert settings_report["model"] == model
    return settings


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("search") / "kb", [SEED, FIXTURES / "2025-12-25.md"])
    s = Searcher(settings)
    yield s
    s.close()


def titles(result) -> list[str]:
    return [h.title for h in result.results]


@pytest.mark.parametrize("query", ["GLM-4.7", "glm 4.7", "GLM4.7", "智谱", "Zhipu", "智谱华章"])
def test_model_and_company_names_find_the_glm_item_first(searcher, query):
    res = searcher.search(query, k=5)
    top2 = titles(res)[:2]
    assert all("GLM-4.7" in t for t in top2), top2  # the seed's item and the fixture's brief
    assert any(t.startswith("智谱AI发布 GLM-4.7") for t in top2), top2


def test_other_script_and_english_alias(searcher):
    assert any("字节跳动" in t for t in titles(searcher.search("字節跳動", k=3)))
    google = searcher.search("Google", k=10)
    assert any("谷歌" in h.entities or "Google DeepMind" in h.entities for h in google.results[:3])


def test_glm_471_is_not_glm_47(searcher):
    res = searcher.search("GLM-4.71", k=5, mode="bm25")
    assert res.query_entities == ["GLM-4.71"]
    assert not any("GLM-4.7" in h.entities for h in res.results), titles(res)


def test_paraphrase_reaches_the_item_through_dense(searcher):
    res = searcher.search("谷歌母公司买下一家清洁能源开发商", k=5, mode="dense")
    assert any("Intersect" in t for t in titles(res)), titles(res)
    assert all(h.scores["dense"] is not None for h in res.results)


def test_time_expression_filters_and_is_reported(searcher):
    res = searcher.search("昨天 谷歌", k=10, today=dt.date(2025, 12, 26))
    assert res.filters["since"] == res.filters["until"] == "2025-12-25"
    assert res.filters["parsed"]["expression"] == "昨天"
    assert res.results and all(h.date == "2025-12-25" for h in res.results)


def test_explicit_filters(searcher):
    res = searcher.search("发布", k=50, entities=["字節跳動"])
    assert res.results and all("字节跳动" in h.entities or "豆包" in h.entities or "火山引擎" in h.entities
                               for h in res.results)
    res = searcher.search("模型", k=50, section="更多动态", since="2025-12-24", until="2025-12-24")
    assert res.results and all(h.section == "更多动态" and h.date == "2025-12-24" for h in res.results)
    res = searcher.search("模型", k=50, source="2025-12-25")
    assert res.results and all(h.date == "2025-12-25" for h in res.results)
    with pytest.raises(QueryError, match="kb entities"):
        searcher.search("x", entities=["完全不存在的公司名"])


def test_modes_and_explain_fields(searcher):
    for mode in ("hybrid", "bm25", "dense"):
        res = searcher.search("开源编码模型", k=5, mode=mode)
        assert res.results and res.mode == mode
        scores = [h.score for h in res.results]
        assert scores == sorted(scores, reverse=True)
        assert len({h.id for h in res.results}) == len(res.results)
    bm = searcher.search("开源编码模型", k=5, mode="bm25")
    assert all(h.scores["dense"] is None and h.scores["bm25"] > 0 for h in bm.results)


def test_collapse_groups_one_story_across_issues(searcher):
    plain = searcher.search("MiniMax M2.1", k=10)
    stories = [h for h in plain.results if "MiniMax M2.1" in h.entities]
    assert len(stories) >= 2  # the ### item and the 更多动态 brief of the same launch
    collapsed = searcher.search("MiniMax M2.1", k=10, collapse=True)
    grouped = [h for h in collapsed.results if h.also]
    assert grouped, titles(collapsed)
    ids = {h.id for h in collapsed.results} | {a["id"] for h in collapsed.results for a in h.also}
    assert {h.id for h in stories} <= ids


def test_reingest_and_rebuild_never_reembed(tmp_path):
    settings = build(tmp_path / "kb", [SEED])
    tagger = default_tagger()
    with Store.create(settings.store_path) as store:
        again = update_indexes(settings, store, tagger, rebuild=True)
    assert again["embedded"] == 0 and again["upserted"] == 57


def test_model_mismatch_is_refused_with_the_fix(tmp_path):
    settings = build(tmp_path / "kb", [SEED])
    other = Settings(db_dir=settings.db_dir, embed_model="m3e-small-static")
    with Store.open(other.store_path) as store, pytest.raises(IndexMismatch, match="kb reindex"):
        update_indexes(other, store, default_tagger())


@pytest.mark.slow
def test_chroma_server_mode(tmp_path, chroma_server):
    """Two knowledge bases on one Chroma server keep their own vectors."""
    settings = build(tmp_path / "kb", [SEED], chroma_url=chroma_server)
    other = build(tmp_path / "kb2", [FIXTURES / "2025-12-25.md"], chroma_url=chroma_server)
    assert not settings.chroma_path.exists()
    for st, query, title in ((settings, "钉钉 AI 硬件", "DingTalk Real"), (other, "豆包大模型", "豆包")):
        s = Searcher(st)
        try:
            res = s.search(query, k=3, mode="dense")
            assert any(title in h.title for h in res.results), titles(res)
            assert {h.date for h in res.results} == {"2025-12-24" if st is settings else "2025-12-25"}
        finally:
            s.close()


def test_dense_search_without_vectors_says_how_to_build_them(tmp_path):
    settings = Settings(db_dir=tmp_path / "kb")
    tagger = default_tagger()
    with Store.create(settings.store_path) as store:
        ingest([FIXTURES / "2025-12-25.md"], store, tagger)
        update_indexes(settings, store, tagger, vectors=False)
    s = Searcher(settings)
    try:
        with pytest.raises(QueryError, match="kb reindex"):
            s.search("豆包", mode="dense")
        assert s.search("豆包", mode="hybrid").results  # hybrid still answers from BM25
    finally:
        s.close()


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_a_query_of_only_filters_lists_newest_first(searcher, mode):
    res = searcher.search("昨天", k=100, mode=mode, today=dt.date(2025, 12, 25))
    assert res.filters["parsed"]["expression"] == "昨天"
    assert len(res.results) == 57 and {h.date for h in res.results} == {"2025-12-24"}
    res = searcher.search("", k=100, mode=mode, entities=["字节跳动"])
    assert res.results and [h.date for h in res.results] == sorted((h.date for h in res.results), reverse=True)


def test_identical_items_are_embedded_once(tmp_path):
    """The same issue in two places: one embedding per distinct content."""
    copy = tmp_path / "copy" / SEED.name
    copy.parent.mkdir()
    shutil.copy(SEED, copy)
    settings = Settings(db_dir=tmp_path / "kb")
    tagger = default_tagger()
    with Store.create(settings.store_path) as store:
        ingest([SEED.parent, copy.parent], store, tagger)
        rep = update_indexes(settings, store, tagger)
    assert rep["upserted"] == 114 and rep["embedded"] == 57


def test_searcher_uses_the_traced_query_encoder(searcher):
    from kb.query_encoder import QueryEncoder

    searcher.search("开源编码模型", mode="dense")
    assert isinstance(searcher._embedder, QueryEncoder)
