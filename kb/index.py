"""Indexes built from the store: BM25 over jieba tokens, and item vectors in chromadb.

Both are caches of the SQLite store and can be rebuilt from it at any time. Tokens and
vectors are cached in the store by content hash, so a rebuild never re-segments or
re-embeds an unchanged item. A manifest records what built each index (store generation,
segmenter, model and dimension) so a stale or mismatched index is noticed, not trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import BM25Index
from .errors import IndexMissing
from .store import Store
from .text import Segmenter

log = logging.getLogger(__name__)

Progress = Callable[[Iterable], Iterable]
LEXICAL_DIR = "index"
MANIFEST = "manifest.json"
EMBED_BATCH = 64
EMBED_MAX_CHARS = 400  # m3e-small sees ~512 tokens; the head of an item carries its news


def embed_text(title: str, text: str) -> str:
    """What an item's vector is computed from: its title, then the start of its body."""
    body = text if not text.startswith(title) else text[len(title):].lstrip("：: ")
    return f"{title}\n{body}"[:EMBED_MAX_CHARS]


def segmenter_id(segmenter: Segmenter) -> str:
    """Identifies a segmentation: the gazetteer and this code. Cached tokens carry it."""
    h = hashlib.sha1(segmenter.tagger.fingerprint().encode())
    h.update(Path(__file__).with_name("text.py").read_bytes())
    return h.hexdigest()[:12]


def document_tokens(segmenter: Segmenter, title: str, text: str) -> list[str]:
    """Tokens of one item; the title counts twice, since it names the news."""
    title_tokens = segmenter.tokens(title)
    return title_tokens + title_tokens + segmenter.tokens(text)


@dataclass
class LexicalIndex:
    """BM25 over every item, with the item ids in matrix row order."""

    ids: list[str]
    bm25: BM25Index
    manifest: dict

    @classmethod
    def load(cls, db_dir: Path) -> LexicalIndex:
        d = db_dir / LEXICAL_DIR
        if not (d / MANIFEST).is_file():
            raise IndexMissing(f"no search index in {db_dir}: run `kb reindex --db {db_dir}`")
        manifest = json.loads((d / MANIFEST).read_text("utf-8"))
        ids = json.loads((d / "ids.json").read_text("utf-8"))
        return cls(ids, BM25Index.load(d), manifest)

    def save(self, db_dir: Path) -> None:
        import tempfile

        d = db_dir / LEXICAL_DIR
        db_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=LEXICAL_DIR + ".tmp-", dir=db_dir))  # one per writer
        self.bm25.save(tmp)
        (tmp / "ids.json").write_text(json.dumps(self.ids), "utf-8")
        (tmp / MANIFEST).write_text(json.dumps(self.manifest, indent=2), "utf-8")
        _swap_dir(tmp, d)


def _swap_dir(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` so a reader never sees half an index."""
    import shutil

    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)


def build_lexical(
    store: Store, segmenter: Segmenter, db_dir: Path, *, progress: Progress | None = None
) -> LexicalIndex:
    """(Re)build BM25 from the store, segmenting only items whose tokens are not cached."""
    seg = segmenter_id(segmenter)
    generation = store.generation()  # before reading rows: a concurrent ingest makes it stale
    rows = store.index_rows()
    cached = store.cached_tokens(seg, [r[1] for r in rows])
    missing = [r for r in rows if r[1] not in cached]
    fresh: list[tuple[str, str]] = []
    for r in (missing if progress is None else progress(missing)):
        toks = "\t".join(document_tokens(segmenter, r[2], r[3]))
        fresh.append((r[1], toks))
        cached[r[1]] = toks
        if len(fresh) >= 2000:
            store.cache_tokens(seg, fresh); fresh = []  # noqa: E702
    if fresh:
        store.cache_tokens(seg, fresh)
    corpus = [cached[r[1]].split("\t") if cached[r[1]] else [] for r in rows]
    index = LexicalIndex(
        [r[0] for r in rows],
        BM25Index.build(corpus),
        {"generation": generation, "segmenter": seg, "items": len(rows)},
    )
    index.save(db_dir)
    return index


def lexical_is_fresh(store: Store, db_dir: Path, segmenter: Segmenter) -> bool:
    path = db_dir / LEXICAL_DIR / MANIFEST
    if not path.is_file():
        return False
    m = json.loads(path.read_text("utf-8"))
    return m.get("generation") == store.generation() and m.get("segmenter") == segmenter_id(segmenter)


def update_vectors(
    store: Store, embedder, vindex, *, progress: Progress | None = None
) -> dict:
    """Bring the vector index in line with the store: embed what is new (unless its
    content was embedded before), upsert it, delete what is gone."""
    rows = store.index_rows()
    have = vindex.ids()
    want = {r[0] for r in rows}
    gone = sorted(have - want)
    if gone:
        vindex.delete(gone)
    todo = [r for r in rows if r[0] not in have]
    cached = store.cached_vectors(embedder.name, [r[1] for r in todo])
    # one embedding per distinct content, however many items share it
    to_embed = list({r[1]: r for r in todo if r[1] not in cached}.values())
    batches = [to_embed[i : i + EMBED_BATCH] for i in range(0, len(to_embed), EMBED_BATCH)]
    for batch in (batches if progress is None else progress(batches)):
        vecs = embedder.encode([embed_text(r[2], r[3]) for r in batch], batch_size=EMBED_BATCH)
        fresh = [(r[1], v.astype(np.float32).tobytes()) for r, v in zip(batch, vecs)]
        store.cache_vectors(embedder.name, fresh)
        cached.update(fresh)
    for i in range(0, len(todo), 1000):
        chunk = todo[i : i + 1000]
        vindex.upsert(  # no metadata: filters run on the store's columns, never stale
            [r[0] for r in chunk],
            np.stack([np.frombuffer(cached[r[1]], dtype=np.float32) for r in chunk]),
        )
    return {"embedded": len(to_embed), "upserted": len(todo), "deleted": len(gone)}


def collection_name(settings) -> str:
    """One collection per knowledge base, so that several can share one Chroma server."""
    if not settings.chroma_url:
        return "items"
    return "kb_" + hashlib.sha1(str(settings.db_dir.resolve()).encode()).hexdigest()[:12]


def open_vectors(settings, embedder):
    """The vector index for ``settings``: embedded chromadb under the db, or a server."""
    from .vectors import VectorIndex

    return VectorIndex.open(
        path=None if settings.chroma_url else settings.chroma_path, url=settings.chroma_url,
        collection=collection_name(settings), model=embedder.name, dim=embedder.dim,
    )


def update_indexes(
    settings, store: Store, tagger, *, vectors: bool = True, rebuild: bool = False,
    progress: Callable[[str], Progress | None] | None = None,
) -> dict:
    """Bring BM25 (and, unless ``vectors`` is False, the vector index) up to date with the
    store. ``rebuild`` drops the vector collection first (after a model change)."""
    segmenter = Segmenter(tagger)
    report: dict = {}
    if rebuild or not lexical_is_fresh(store, settings.db_dir, segmenter):
        idx = build_lexical(store, segmenter, settings.db_dir,
                            progress=progress("tokenize") if progress else None)
        report["bm25_items"] = len(idx.ids)
    if vectors:
        from .embed import load_embedder

        embedder = load_embedder(settings.embed_model, cache_dir=settings.model_cache_dir)
        if rebuild:
            from .vectors import VectorIndex

            VectorIndex.drop(path=None if settings.chroma_url else settings.chroma_path,
                             url=settings.chroma_url, collection=collection_name(settings))
        vindex = open_vectors(settings, embedder)
        report |= update_vectors(store, embedder, vindex, progress=progress("embed") if progress else None)
        report["model"] = embedder.name
        from .query_encoder import export

        report["fast_query_encoder"] = export(embedder, settings.model_cache_dir)
    return report
