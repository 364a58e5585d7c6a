"""SQLite store: the single source of truth for issues, items and entities.

Everything else (BM25, vectors) is rebuilt from here. The schema is shaped for the
questions users ask: an item's context (issue + neighbours by position), an entity's
timeline (item_entities joined to items by date) and "what is new since" (items.date).
Each issue is written in one transaction, so a killed run never leaves half an issue.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ItemNotFound, KBError, StoreNotFound
from .models import Entity, Item, ParsedIssue

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL DEFAULT '',
    date TEXT,
    title TEXT NOT NULL,
    layout TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS issues_date ON issues(date);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    date TEXT,
    position INTEGER NOT NULL,
    section TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS items_issue_pos ON items(issue_id, position);
CREATE INDEX IF NOT EXISTS items_date ON items(date);
CREATE TABLE IF NOT EXISTS entities (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    parent TEXT,
    aliases TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS item_entities (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    entity TEXT NOT NULL REFERENCES entities(name),
    rank INTEGER NOT NULL,
    PRIMARY KEY (item_id, entity)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS item_entities_entity ON item_entities(entity, item_id);
CREATE TABLE IF NOT EXISTS tokens (
    content_hash TEXT NOT NULL,
    segmenter TEXT NOT NULL,
    tokens TEXT NOT NULL,
    PRIMARY KEY (content_hash, segmenter)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS embeddings (
    content_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (content_hash, model)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class FileState:
    """What the store remembers about a source file, to skip unchanged ones cheaply."""

    issue_id: str
    size: int
    mtime_ns: int
    content_hash: str
    fingerprint: str


def store_generation(path: Path) -> int:
    """The store's generation without opening a Store (cheap: for cache keys in the UI)."""
    if not path.is_file():
        return -1
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return -1
    finally:
        conn.close()


def content_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def issue_id_for(source: str) -> str:
    """Issue ids derive from the source path so a changed file keeps its issue id."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]


def item_ids_for(source: str, items: Sequence[tuple[str, str]]) -> list[str]:
    """Stable item ids: a hash of source, title and text (plus an occurrence counter for
    exact repeats), so an item keeps its id while its text does not change."""
    seen: dict[str, int] = {}
    ids = []
    for title, text in items:
        base = hashlib.sha1(f"{source}\0{title}\0{text}".encode("utf-8")).hexdigest()[:16]
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.append(base if n == 0 else f"{base}-{n}")
    return ids


class Store:
    """A knowledge base's SQLite database. Open with :meth:`open` or :meth:`create`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    # -- lifecycle -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> Store:
        """Open the store at ``path``, creating it (and its directory) if needed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
        conn.executescript(SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        conn.commit()
        return cls(path, conn)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open an existing store; StoreNotFound tells the user to ingest first."""
        if not path.is_file():
            raise StoreNotFound(path.parent)
        store = cls(path, _connect(path))
        version = store.get_meta("schema_version")
        if version != str(SCHEMA_VERSION):
            store.close()
            raise KBError(
                f"{path} was written by another version of digest-kb (schema {version}, this one "
                f"reads {SCHEMA_VERSION}): ingest your digests into a new --db directory"
            )
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: everything inside commits together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    # -- meta --------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writing -----------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        rows = self.conn.execute(
            "SELECT source, id, size, mtime_ns, content_hash, fingerprint FROM issues"
        )
        return {r[0]: FileState(r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def touch_issue(self, source: str, size: int, mtime_ns: int) -> None:
        """Content unchanged but the file was touched: remember the new stat."""
        with self.transaction() as c:
            c.execute("UPDATE issues SET size = ?, mtime_ns = ? WHERE source = ?", (size, mtime_ns, source))

    def replace_issue(
        self,
        source: str,
        parsed: ParsedIssue,
        tags: Sequence[Sequence[Entity]],
        *,
        root: str,
        hash_: str,
        size: int,
        mtime_ns: int,
        fingerprint: str,
    ) -> tuple[str, int]:
        """Write one issue and its items and tags atomically, replacing any earlier version.

        Returns (issue_id, number of items)."""
        issue_id = issue_id_for(source)
        ids = item_ids_for(source, [(it.title, it.text) for it in parsed.items])
        with self.transaction() as c:
            c.execute("DELETE FROM items WHERE issue_id = ?", (issue_id,))
            _bump_generation(c)
            c.execute(
                "INSERT OR REPLACE INTO issues (id, source, root, date, title, layout, content_hash,"
                " size, mtime_ns, fingerprint, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (issue_id, source, root, parsed.date, parsed.title, parsed.layout, hash_, size, mtime_ns,
                 fingerprint, json.dumps(list(parsed.notes), ensure_ascii=False)),
            )
            c.executemany(
                "INSERT INTO items (id, issue_id, date, position, section, title, text, url, links,"
                " kind, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (iid, issue_id, parsed.date, it.position, it.section, it.title, it.text, it.url,
                     json.dumps(list(it.links), ensure_ascii=False), it.kind,
                     content_hash(f"{it.title}\n{it.text}"))
                    for iid, it in zip(ids, parsed.items)
                ],
            )
            entities = {e.name: e for ents in tags for e in ents}
            c.executemany(
                "INSERT INTO entities (name, type, parent, aliases) VALUES (?,?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET type=excluded.type, parent=excluded.parent,"
                " aliases=excluded.aliases",
                [(e.name, e.type, e.parent, json.dumps(list(e.aliases), ensure_ascii=False))
                 for e in entities.values()],
            )
            c.executemany(
                "INSERT OR IGNORE INTO item_entities (item_id, entity, rank) VALUES (?,?,?)",
                [(iid, e.name, rank) for iid, ents in zip(ids, tags) for rank, e in enumerate(ents)],
            )
        return issue_id, len(ids)

    def delete_issues(self, sources: Iterable[str]) -> int:
        n = 0
        with self.transaction() as c:
            for s in sources:
                n += c.execute("DELETE FROM issues WHERE source = ?", (s,)).rowcount
            if n:
                _bump_generation(c)
        return n

    def prune_entities(self) -> int:
        """Drop entities no item is tagged with any more (after re-tagging or deletes)."""
        with self.transaction() as c:
            return c.execute(
                "DELETE FROM entities WHERE name NOT IN (SELECT DISTINCT entity FROM item_entities)"
            ).rowcount

    # -- reading -----------------------------------------------------------------------
    def stats(self) -> dict:
        c = self.conn
        total = c.execute(
            "SELECT COUNT(*), (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM entities),"
            " MIN(date), MAX(date) FROM issues"
        ).fetchone()
        by = lambda col: [  # noqa: E731 - tiny local query helper
            {col: r[0], "issues": r[1], "items": r[2], "first_date": r[3], "last_date": r[4]}
            for r in c.execute(
                f"SELECT {col}, COUNT(DISTINCT i.id), COUNT(it.id), MIN(i.date), MAX(i.date)"
                f" FROM issues i LEFT JOIN items it ON it.issue_id = i.id GROUP BY {col} ORDER BY {col}"
            )
        ]
        return {
            "issues": total[0], "items": total[1], "entities": total[2],
            "first_date": total[3], "last_date": total[4],
            "by_layout": by("layout"),
            "by_source": by("root"),
        }

    def issues(self) -> list[dict]:
        rows = self.conn.execute(
            "SELECT i.id, i.date, i.title, i.source, i.layout, COUNT(it.id), i.notes FROM issues i"
            " LEFT JOIN items it ON it.issue_id = i.id GROUP BY i.id ORDER BY i.date, i.source"
        )
        return [
            {"id": r[0], "date": r[1], "title": r[2], "source": r[3], "layout": r[4], "items": r[5],
             "notes": json.loads(r[6])}
            for r in rows
        ]

    def items(
        self,
        *,
        source: str | None = None,
        date: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Sequence[str] | None = None,
        issue_id: str | None = None,
        entity: str | None = None,
        limit: int | None = None,
    ) -> list[Item]:
        """Items with their issue context, in issue-date then position order."""
        where, args = [], []
        if source:
            where.append("(i.source = ? OR i.source LIKE ? ESCAPE '\\')")
            args += [source, _like_prefix(source)]
        if date:
            where.append("it.date = ?"); args.append(date)  # noqa: E702
        if since:
            where.append("it.date >= ?"); args.append(since)  # noqa: E702
        if until:
            where.append("it.date <= ?"); args.append(until)  # noqa: E702
        if issue_id:
            where.append("it.issue_id = ?"); args.append(issue_id)  # noqa: E702
        if entity:
            where.append("it.id IN (SELECT item_id FROM item_entities WHERE entity = ?)")
            args.append(entity)
        if ids is not None:
            if len(ids) > 900:  # keep under SQLite's variable limit
                found = {it.id: it for chunk in _chunks(list(ids), 900) for it in self.items(ids=chunk)}
                return [found[i] for i in ids if i in found]
            where.append(f"it.id IN ({','.join('?' * len(ids))})"); args += list(ids)  # noqa: E702
        sql = (
            "SELECT it.id, it.issue_id, it.date, i.source, i.title, it.position, it.section, it.title,"
            " it.text, it.url, it.links, it.kind,"
            " (SELECT json_group_array(entity) FROM (SELECT entity FROM item_entities"
            "   WHERE item_id = it.id ORDER BY rank))"
            " FROM items it JOIN issues i ON i.id = it.issue_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY it.date, i.source, it.position"
            + (f" LIMIT {int(limit)}" if limit else "")
        )
        return [_item(r) for r in self.conn.execute(sql, args)]

    def item(self, item_id: str) -> Item:
        found = self.items(ids=[item_id])
        if not found:
            raise ItemNotFound(item_id)
        return found[0]

    def neighbours(self, item: Item) -> tuple[Item | None, Item | None]:
        """The items just before and after ``item`` in its issue."""
        rows = self.conn.execute(
            "SELECT id, position FROM items WHERE issue_id = ? AND position IN (?, ?)",
            (item.issue_id, item.position - 1, item.position + 1),
        ).fetchall()
        by_pos = {p: i for i, p in rows}
        prev = self.item(by_pos[item.position - 1]) if item.position - 1 in by_pos else None
        nxt = self.item(by_pos[item.position + 1]) if item.position + 1 in by_pos else None
        return prev, nxt

    def entities(self, *, type_: str | None = None) -> list[dict]:
        """Entities with item counts and first/last dates: the entry point of timelines."""
        sql = (
            "SELECT e.name, e.type, e.aliases, e.parent, COUNT(it.id), MIN(it.date), MAX(it.date)"
            " FROM entities e JOIN item_entities ie ON ie.entity = e.name"
            " JOIN items it ON it.id = ie.item_id"
            + (" WHERE e.type = ?" if type_ else "")
            + " GROUP BY e.name ORDER BY COUNT(it.id) DESC, e.name"
        )
        return [
            {"name": r[0], "type": r[1], "aliases": json.loads(r[2]), "parent": r[3], "items": r[4],
             "first_date": r[5], "last_date": r[6]}
            for r in self.conn.execute(sql, (type_,) if type_ else ())
        ]

    def generation(self) -> int:
        """Grows with every change to items: indexes record it to know they are stale."""
        return int(self.get_meta("generation") or 0)

    def item_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def max_date(self) -> str | None:
        return self.conn.execute("SELECT MAX(date) FROM items").fetchone()[0]

    # -- caches keyed by content hash: tokens per segmenter, vectors per model -------------
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        return self._cached("embeddings", "model", "vector", model, hashes)

    def cache_vectors(self, model: str, rows: Sequence[tuple[str, bytes]]) -> None:
        self._cache("embeddings", "model", "vector", model, rows)

    def cached_tokens(self, segmenter: str, hashes: Sequence[str]) -> dict[str, str]:
        return self._cached("tokens", "segmenter", "tokens", segmenter, hashes)

    def cache_tokens(self, segmenter: str, rows: Sequence[tuple[str, str]]) -> None:
        self._cache("tokens", "segmenter", "tokens", segmenter, rows)

    def _cached(self, table: str, kind: str, value: str, key: str, hashes: Sequence[str]) -> dict:
        out: dict = {}
        for chunk in _chunks(list(hashes), 900):
            q = (f"SELECT content_hash, {value} FROM {table} WHERE {kind} = ?"
                 f" AND content_hash IN ({','.join('?' * len(chunk))})")
            out.update(self.conn.execute(q, [key, *chunk]).fetchall())
        return out

    def _cache(self, table: str, kind: str, value: str, key: str, rows: Sequence[tuple]) -> None:
        with self.transaction() as c:
            c.executemany(
                f"INSERT OR REPLACE INTO {table} (content_hash, {kind}, {value}) VALUES (?,?,?)",
                [(h, key, v) for h, v in rows],
            )

    def index_rows(self) -> list[tuple]:
        """(id, content_hash, title, text, date, issue_id, kind, section, entities-json) of
        every item, in a stable order: what the indexes are built from."""
        return self.conn.execute(
            "SELECT it.id, it.content_hash, it.title, it.text, it.date, it.issue_id, it.kind,"
            " it.section, (SELECT json_group_array(entity) FROM item_entities WHERE item_id = it.id)"
            " FROM items it ORDER BY it.rowid"
        ).fetchall()



def _bump_generation(c: sqlite3.Connection) -> None:
    c.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")


def _chunks(seq: list, n: int) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _like_prefix(path: str) -> str:
    escaped = path.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"


def _item(r: tuple) -> Item:
    return Item(
        id=r[0], issue_id=r[1], date=r[2], source=r[3], issue_title=r[4], position=r[5],
        section=r[6], title=r[7], text=r[8], url=r[9], links=tuple(json.loads(r[10])), kind=r[11],
        entities=tuple(json.loads(r[12])),
    )


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn
