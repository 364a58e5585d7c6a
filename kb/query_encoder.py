"""A fast-starting query encoder: the embedding model traced to TorchScript.

Importing sentence-transformers (and with it transformers and scikit-learn) takes ~3.5 s
here, most of a search's cold start, although a query needs one forward pass. When the
model is a plain transformer followed by mean pooling (m3e-small is), :func:`export`
traces it once, at index time, into ``<db>/models/<model>/`` beside its ``tokenizer.json``;
:func:`load` then needs only torch and the Rust ``tokenizers``. Its vectors equal the
sentence-transformers ones (tests/test_query_encoder.py). Any other model falls back to
the full :class:`kb.embed.Embedder`.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 1
MODEL_FILE = "query_encoder.pt"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "query_encoder.json"


def export_dir(models_dir: Path, model_name: str) -> Path:
    return models_dir / re.sub(r"[^\w.-]+", "_", model_name).strip("_")


class QueryEncoder:
    """Encodes one query at a time with the traced model; same interface as Embedder's."""

    def __init__(self, module: Any, tokenizer: Any, name: str, dim: int) -> None:
        self._module = module
        self._tokenizer = tokenizer
        self.name = name
        self.dim = dim
        self.encode_query = lru_cache(maxsize=1024)(self._encode)

    def _encode(self, text: str) -> np.ndarray:
        import torch

        enc = self._tokenizer.encode(text)
        ids = torch.tensor([enc.ids], dtype=torch.long)
        mask = torch.tensor([enc.attention_mask], dtype=torch.long)
        types = torch.tensor([enc.type_ids], dtype=torch.long)
        with torch.inference_mode():
            vec = self._module(ids, mask, types)[0].numpy().astype(np.float32)
        vec.flags.writeable = False
        return vec


def _traceable(embedder: Any) -> tuple[Any, Any, int] | None:
    """(hf model, tokenizer, max length) when the model is transformer + mean pooling."""
    model = getattr(embedder, "_model", None)
    try:
        modules = list(model)
        if len(modules) != 2 or type(modules[0]).__name__ != "Transformer":
            return None
        if modules[1].get_config_dict().get("pooling_mode") != "mean":
            return None
        return modules[0].auto_model, modules[0].tokenizer, int(model.max_seq_length)
    except (TypeError, AttributeError):
        return None


def export(embedder: Any, models_dir: Path) -> bool:
    """Trace ``embedder`` for fast query encoding; False when its pipeline is not one we
    can reproduce exactly (it then keeps using sentence-transformers)."""
    parts = _traceable(embedder)
    if parts is None:
        return False
    import torch

    hf, hf_tokenizer, max_len = parts
    target = export_dir(models_dir, embedder.name)
    manifest = {"version": EXPORT_VERSION, "model": embedder.name, "dim": embedder.dim, "max_len": max_len}
    if (target / MANIFEST_FILE).is_file() and json.loads((target / MANIFEST_FILE).read_text()) == manifest:
        return True

    class MeanPooled(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids, return_dict=False)[0]
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=-1)

    tokenizer = hf_tokenizer.backend_tokenizer
    tokenizer.enable_truncation(max_len)
    tokenizer.no_padding()
    example = tokenizer.encode("智谱AI发布GLM-4.7开源编码模型")
    args = tuple(torch.tensor([x], dtype=torch.long)
                 for x in (example.ids, example.attention_mask, example.type_ids))
    from .embed import _quiet_transformers

    target.mkdir(parents=True, exist_ok=True)
    with torch.inference_mode(), warnings.catch_warnings(), _quiet_transformers():
        # the tracer warns about shape checks that are constant here: queries are never padded
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(MeanPooled(hf.eval()), args, check_trace=False)
    traced.save(str(target / MODEL_FILE))
    tokenizer.save(str(target / TOKENIZER_FILE))
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    return True


def load(models_dir: Path, model_name: str) -> QueryEncoder | None:
    """The traced encoder of ``model_name`` if :func:`export` made one, else None."""
    target = export_dir(models_dir, model_name.rstrip("/\\") or model_name)
    try:
        manifest = json.loads((target / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("version") != EXPORT_VERSION or manifest.get("model") != model_name:
        return None
    import torch
    from tokenizers import Tokenizer

    module = torch.jit.load(str(target / MODEL_FILE), map_location="cpu")
    module.eval()
    return QueryEncoder(module, Tokenizer.from_file(str(target / TOKENIZER_FILE)), model_name,
                        int(manifest["dim"]))
