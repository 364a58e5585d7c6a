"""The traced query encoder gives the sentence-transformers vectors, and search uses it."""

from __future__ import annotations

import numpy as np
import pytest

from kb import query_encoder
from kb.embed import load_embedder

from .conftest import SEED


@pytest.fixture(scope="module")
def m3e():
    return load_embedder(None)


@pytest.mark.slow
def test_traced_encoder_equals_sentence_transformers(m3e, tmp_path):
    assert query_encoder.export(m3e, tmp_path)
    fast = query_encoder.load(tmp_path, m3e.name)
    assert fast is not None and (fast.name, fast.dim) == (m3e.name, m3e.dim)
    texts = ["智谱 GLM-4.7", "ERNIE", "a", "上周 OpenAI 融资", SEED.read_text("utf-8")[:3000]]
    texts += [line for line in SEED.read_text("utf-8").splitlines() if len(line) > 20][:20]
    ref = m3e.encode(texts)
    for text, want in zip(texts, ref):
        np.testing.assert_allclose(fast.encode_query(text), want, atol=2e-5)


def test_export_is_reused_and_other_models_fall_back(m3e, tmp_path):
    assert query_encoder.export(m3e, tmp_path)
    stamp = (query_encoder.export_dir(tmp_path, m3e.name) / query_encoder.MODEL_FILE).stat().st_mtime_ns
    assert query_encoder.export(m3e, tmp_path)
    assert (query_encoder.export_dir(tmp_path, m3e.name) / query_encoder.MODEL_FILE).stat().st_mtime_ns == stamp
    assert query_encoder.load(tmp_path, "some-other-model") is None

    class NotTraceable:
        name, dim, _model = "x", 3, object()

    assert query_encoder.export(NotTraceable(), tmp_path) is False
