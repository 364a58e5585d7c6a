"""Search: query understanding -> BM25 + dense retrieval -> fusion -> typed hits.

A :class:`Searcher` opens the store and indexes once and answers many queries (the CLI's
``--batch``, the UI, notebooks). Everything a result shows comes from the SQLite store;
the indexes only rank.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from . import dates
from .config import Settings, load_settings
from .entities import Tagger, default_tagger
from .errors import QueryError
from .fusion import ranks, rrf
from .index import LexicalIndex, build_lexical, lexical_is_fresh
from .store import Store
from .text import Segmenter, fold

log = logging.getLogger(__name__)

MODES = ("hybrid", "bm25", "dense")
CANDIDATES = 200  # how deep each ranking goes before fusion
ID_QUERY_LIMIT = 5000  # largest id list a filtered dense query sends to chroma
# Fusion weights, chosen on ../shared/eval (see README "Search quality").
WEIGHTS = {"bm25": 1.0, "dense": 0.3, "entity": 1.0}
# A descriptive query (no entity named, a sentence rather than keywords) is where
# embeddings beat BM25 on this corpus; None disables the adjustment.
DESCRIPTIVE_DENSE: float | None = 1.5
DESCRIPTIVE_CHARS = 12
ENTITY_LEAD_FIRST = True  # items that name the entity first (their subject) come first
CHILD_WEIGHT = 0.5  # an item tagged with a product/subsidiary of the company named
# (a version of a model family named counts fully: "ERNIE" is about 文心5.0 too)


@dataclass(frozen=True)
class Hit:
    """One ranked item with the context a reader needs."""

    id: str
    issue_id: str
    date: str
    issue_title: str
    source: str
    section: str | None
    position: int
    title: str
    text: str
    url: str | None
    entities: list[str]
    score: float
    scores: dict  # {"bm25": float|None, "dense": float|None}
    ranks: dict   # {"bm25": int|None, "dense": int|None}
    also: list[dict] = field(default_factory=list)  # other copies of the story (--collapse)

    def to_json(self) -> dict:
        d = asdict(self)
        del d["ranks"]
        if not self.also:
            del d["also"]
        return d


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    filters: dict
    took_ms: float
    results: list[Hit]
    terms: list[str]          # words to highlight in snippets
    query_entities: list[str]

    def to_json(self) -> dict:
        return {
            "query": self.query, "mode": self.mode, "filters": self.filters,
            "took_ms": round(self.took_ms, 2), "query_entities": self.query_entities,
            "results": [h.to_json() for h in self.results],
        }


class Searcher:
    """Opens a knowledge base for searching; cheap to query many times."""

    def __init__(
        self, settings: Settings | None = None, *, tagger: Tagger | None = None, preload_dense: bool = True
    ) -> None:
        """``preload_dense`` starts loading the embedding model and vector index in a
        background thread while the lexical side opens (importing the model's libraries
        is most of a cold start); pass False for BM25-only use."""
        self.settings = settings or load_settings()
        self.store = Store.open(self.settings.store_path)
        self._embedder = None
        self._vectors = None
        self._dense_loader: Future | None = None
        self._dense_lock = threading.Lock()
        if preload_dense:
            self._dense_loader = ThreadPoolExecutor(1, thread_name_prefix="kb-dense").submit(self._load_dense)
        self.tagger = tagger or default_tagger(self.settings.all_gazetteer_files())
        self.segmenter = Segmenter(self.tagger)
        if not lexical_is_fresh(self.store, self.settings.db_dir, self.segmenter):
            build_lexical(self.store, self.segmenter, self.settings.db_dir)
        self.lexical = LexicalIndex.load(self.settings.db_dir)
        self._row = {doc: i for i, doc in enumerate(self.lexical.ids)}
        self._load_columns()
        self.segmenter.warm_up()  # jieba's dictionary: part of opening, not of the first query
        self._children = _children(self.store)
        self._types = dict(self.store.conn.execute("SELECT name, type FROM entities"))

    def _load_columns(self) -> None:
        """Per-row arrays for filtering without touching SQLite at query time."""
        n = len(self.lexical.ids)
        self.dates = np.zeros(n, dtype=np.int32)
        self.sources: list[str] = [""] * n
        self.sections: list[str] = [""] * n
        rows = self.store.conn.execute(
            "SELECT it.id, it.date, i.source, i.layout, it.section FROM items it"
            " JOIN issues i ON i.id = it.issue_id"
        )
        for doc, date, source, layout, section in rows:
            r = self._row.get(doc)
            if r is not None:
                self.dates[r] = int((date or "0").replace("-", ""))
                self.sources[r] = fold(f"{source}\t{layout}")
                self.sections[r] = fold(section or "")

    def close(self) -> None:
        self.store.close()

    # -- dense (the model's libraries take seconds to import: loaded once, maybe early) ---
    def _load_dense(self) -> None:
        from . import query_encoder
        from .embed import load_embedder
        from .index import open_vectors

        # the traced query encoder starts in a fraction of the full model's time
        embedder = query_encoder.load(self.settings.model_cache_dir, self.settings.embed_model) \
            or load_embedder(self.settings.embed_model, cache_dir=self.settings.model_cache_dir)
        vectors = open_vectors(self.settings, embedder)
        for text in ("预热", "warm up the encoder"):  # TorchScript optimises on its first calls
            embedder.encode_query(text)
        self._embedder, self._vectors = embedder, vectors

    def _dense_ready(self) -> bool:
        with self._dense_lock:  # the UI may search from several threads
            if self._dense_loader is not None:
                loader, self._dense_loader = self._dense_loader, None
                loader.result()  # re-raises a loading error here, in the caller's thread
            if self._vectors is None:
                self._load_dense()
        return self._vectors.count() > 0

    def warm_up(self) -> None:
        """Load the embedding model and vector index now rather than on the first query."""
        if self._dense_ready():
            self._dense_ranking("预热", None, CANDIDATES)

    def _dense_ranking(self, text: str, mask: np.ndarray | None, depth: int) -> list[tuple[str, float]]:
        """Nearest items by embedding. With a filter, over-fetch and filter; when the
        filter is narrow enough that this finds too little, ask chroma for the allowed ids
        only (an id-restricted query stays fast up to a few thousand ids)."""
        qv = self._embedder.encode_query(text)
        if mask is None:  # ids the store no longer has (vectors not yet updated) are skipped
            return [(d, s) for d, s in self._vectors.query(qv, depth) if d in self._row]
        hits = [(d, s) for d, s in self._vectors.query(qv, depth * 3)
                if d in self._row and mask[self._row[d]]]
        allowed = np.flatnonzero(mask)
        if len(hits) >= min(depth // 4, len(allowed)) or len(allowed) > ID_QUERY_LIMIT:
            return hits
        ids = [self.lexical.ids[i] for i in allowed]
        return self._vectors.query(qv, min(depth, len(ids)), ids=ids)

    # -- query understanding -------------------------------------------------------------
    def understand(self, query: str, today: dt.date | None = None) -> tuple[str, dict, list]:
        """(query text without time words, parsed date filter, entities named in it)."""
        if today is None:
            newest = self.store.max_date()
            today = dt.date.fromisoformat(newest) if newest else dt.date.today()
        tf = dates.parse_time(query, today)
        text = tf.query if tf else query
        parsed = {}
        if tf:
            parsed = {"since": tf.since.isoformat() if tf.since else None,
                      "until": tf.until.isoformat() if tf.until else None,
                      "expression": tf.expression, "today": today.isoformat()}
        ents = []
        for _, _, ent in self.tagger.find(text):
            if ent.name not in ents:
                ents.append(ent.name)
        return text, parsed, ents

    def resolve_entity(self, name: str) -> str:
        ent = self.tagger.gazetteer.resolve(name)
        if ent is None:
            found = self.tagger.find(name)
            ent = found[0][2] if found else None
        if ent is None:
            raise QueryError(f"unknown entity {name!r}: see `kb entities` for the names in this knowledge base")
        return ent.name

    def _mask(self, since, until, entities, section, source) -> np.ndarray | None:
        n = len(self.lexical.ids)
        mask = np.ones(n, dtype=bool)
        active = False
        if since:
            mask &= self.dates >= int(since.replace("-", "")); active = True  # noqa: E702
        if until:
            mask &= self.dates <= int(until.replace("-", "")); active = True  # noqa: E702
        for name in entities:
            family = [name, *self._descendants(name)]
            q = f"SELECT DISTINCT item_id FROM item_entities WHERE entity IN ({','.join('?' * len(family))})"
            rows = [self._row[i] for (i,) in self.store.conn.execute(q, family) if i in self._row]
            m = np.zeros(n, dtype=bool)
            m[rows] = True
            mask &= m
            active = True
        if section:
            s = fold(section)
            mask &= np.fromiter((s in x for x in self.sections), dtype=bool, count=n); active = True  # noqa: E702
        if source:
            s = fold(source)
            mask &= np.fromiter((s in x for x in self.sources), dtype=bool, count=n); active = True  # noqa: E702
        return mask if active else None

    def _descendants(self, name: str) -> list[str]:
        out, todo = [], list(self._children.get(name, ()))
        while todo:
            c = todo.pop()
            if c not in out and c != name:
                out.append(c)
                todo += self._children.get(c, ())
        return out

    # -- the search ----------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int = 10,
        mode: str = "hybrid",
        since: str | None = None,
        until: str | None = None,
        entities: Sequence[str] = (),
        section: str | None = None,
        source: str | None = None,
        today: dt.date | None = None,
        collapse: bool = False,
    ) -> SearchResult:
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        if k < 1:
            raise QueryError(f"k must be at least 1, not {k}")
        since, until = _iso_date(since, "since"), _iso_date(until, "until")
        dense_on = mode != "bm25" and self._dense_ready()  # model load is not query time
        if mode == "dense" and not dense_on:
            raise QueryError(f"no vectors in {self.settings.db_dir}: run `kb reindex --db "
                             f"{self.settings.db_dir}` (it was ingested with --no-vectors)")
        t0 = time.perf_counter()
        text, parsed, q_ents = self.understand(query, today)
        since = since or parsed.get("since")
        until = until or parsed.get("until")
        filt_ents = [self.resolve_entity(e) for e in entities]
        mask = self._mask(since, until, filt_ents, section, source)
        depth = max(CANDIDATES, k * 5)

        tokens = self.segmenter.tokens(text, for_query=True)
        bm25_rank: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25") and tokens:
            scores, hit = self.lexical.bm25.scores_and_matches(tokens)
            if mask is not None:
                hit &= mask
            scores = np.where(hit, scores, -np.inf)
            top = np.argpartition(-scores, min(depth, len(scores) - 1))[:depth] if len(scores) else []
            top = sorted((i for i in top if hit[i]), key=lambda i: -scores[i])
            bm25_rank = [(self.lexical.ids[i], float(scores[i])) for i in top]
        dense_rank: list[tuple[str, float]] = []
        if dense_on and text.strip():
            dense_rank = self._dense_ranking(text, mask, depth)

        entity_rank = self._entity_ranking(q_ents, mask, bm25_rank) if mode == "hybrid" else []
        if not text.strip() and mask is not None:
            # a pure filter query ("上周", --entity X): everything that passes, newest first
            order = np.flatnonzero(mask)
            order = order[np.argsort(-self.dates[order], kind="stable")][:depth]
            bm25_rank = [(self.lexical.ids[i], 0.0) for i in order]
        fused = rrf(
            {"bm25": [d for d, _ in bm25_rank], "dense": [d for d, _ in dense_rank],
             "entity": [d for d, _ in entity_rank]},
            fusion_weights(text, q_ents) if mode == "hybrid" else None,
        )
        hits = self._hits(fused, {"bm25": bm25_rank, "dense": dense_rank, "entity": entity_rank},
                          k * 4 if collapse else k)
        if collapse:
            hits = collapse_stories(hits)[:k]
        filters = {"since": since, "until": until, "entity": filt_ents, "section": section,
                   "source": source, "parsed": parsed}
        terms = [t for t in tokens if not t.startswith("@")]
        return SearchResult(query, mode, filters, (time.perf_counter() - t0) * 1000, hits,
                            terms + self._aliases(q_ents), q_ents)

    def _entity_ranking(
        self, q_ents: list[str], mask: np.ndarray | None, bm25_rank: list[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        """Items tagged with the entities the query names (or their products), more of
        them first, then by BM25: an entity lookup must find every item about it, even
        one that uses a name the query does not."""
        if not q_ents:
            return []
        want: dict[str, tuple[int, float]] = {}
        for qi, e in enumerate(q_ents):
            want[e] = (qi, 1.0)
            family = self._types.get(e) == "model"
            for c in self._descendants(e):
                want.setdefault(c, (qi, 1.0 if family else CHILD_WEIGHT))
        q = (f"SELECT item_id, entity, rank FROM item_entities"
             f" WHERE entity IN ({','.join('?' * len(want))})")
        per_item: dict[str, dict[int, float]] = {}
        first: dict[str, int] = {}  # the item names a wanted entity before any other
        for doc, ent, tag_rank in self.store.conn.execute(q, list(want)):
            r = self._row.get(doc)
            if r is None or (mask is not None and not mask[r]):
                continue
            qi, w = want[ent]
            slot = per_item.setdefault(doc, {})
            slot[qi] = max(slot.get(qi, 0.0), w)
            first[doc] = min(first.get(doc, tag_rank), tag_rank)
        lexical = dict(bm25_rank)
        scored = [(doc, sum(v.values())) for doc, v in per_item.items()]
        lead = (lambda d: first[d] > 0) if ENTITY_LEAD_FIRST else (lambda d: 0)
        scored.sort(key=lambda dw: (-dw[1], lead(dw[0]), -lexical.get(dw[0], 0.0),
                                    -self.dates[self._row[dw[0]]]))
        return scored[:CANDIDATES]

    def _aliases(self, names: list[str]) -> list[str]:
        out = []
        for n in names:
            ent = self.tagger.gazetteer.get(n)
            out += [n, *(ent.aliases if ent else ())]
        return out

    def _hits(self, fused, rankings: dict[str, list[tuple[str, float]]], k: int) -> list[Hit]:
        scores = {m: dict(r) for m, r in rankings.items()}
        places = {m: ranks([d for d, _ in r]) for m, r in rankings.items()}
        top = fused[:k]
        items = {it.id: it for it in self.store.items(ids=[d for d, _ in top])} if top else {}
        hits = []
        for doc, score in top:
            it = items.get(doc)
            if it is None:  # index row of an item deleted since: skip it
                continue
            hits.append(Hit(
                id=it.id, issue_id=it.issue_id, date=it.date, issue_title=it.issue_title,
                source=it.source, section=it.section, position=it.position, title=it.title,
                text=it.text, url=it.url, entities=list(it.entities), score=round(score, 6),
                scores={"bm25": scores["bm25"].get(doc), "dense": scores["dense"].get(doc)},
                ranks={m: places[m].get(doc) for m in places},
            ))
        return hits


def _iso_date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise QueryError(f"--{name} {value!r} is not a date: write it as YYYY-MM-DD") from None


def fusion_weights(text: str, q_ents: Sequence[str]) -> dict[str, float]:
    """Per-query weights: the measured defaults, with more say for the dense ranking on
    descriptive queries that name no entity."""
    w = dict(WEIGHTS)
    if DESCRIPTIVE_DENSE is not None and not q_ents and len(text.replace(" ", "")) >= DESCRIPTIVE_CHARS:
        w["dense"] = DESCRIPTIVE_DENSE
    return w


def _children(store: Store) -> dict[str, list[str]]:
    """parent -> child entity names, from the store (which also holds derived versions)."""
    out: dict[str, list[str]] = {}
    for name, parent in store.conn.execute("SELECT name, parent FROM entities WHERE parent IS NOT NULL"):
        out.setdefault(parent, []).append(name)
    return out


def _bigrams(s: str) -> set[str]:
    s = "".join(ch for ch in fold(s) if ch.isalnum())
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def same_story(a: Hit, b: Hit, threshold: float = 0.5) -> bool:
    """Two items report one story: the same link, or titles sharing most character bigrams."""
    if a.url and a.url == b.url:
        return True
    x, y = _bigrams(a.title), _bigrams(b.title)
    return len(x & y) / max(1, min(len(x), len(y))) >= threshold


def collapse_stories(hits: list[Hit]) -> list[Hit]:
    """One hit per story, best first; the others are listed in ``also`` by date."""
    kept: list[Hit] = []
    for h in hits:
        for i, k in enumerate(kept):
            if same_story(k, h):
                kept[i] = Hit(**{**k.__dict__, "also": k.also + [
                    {"id": h.id, "date": h.date, "source": h.source, "title": h.title}]})
                break
        else:
            kept.append(h)
    return kept


def search(query: str, db=None, **kwargs) -> SearchResult:
    """One-shot convenience: ``kb.search.search("智谱", db="kb-data")``."""
    s = Searcher(load_settings(db))
    try:
        return s.search(query, **kwargs)
    finally:
        s.close()


