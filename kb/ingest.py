"""Ingest: find digest files, parse, tag and store them, one atomic issue at a time.

A bad file is reported by path and reason and never stops the others or touches what is
already stored. Unchanged files are skipped by (size, mtime) without being read, so a
re-run over a large archive costs little more than a directory walk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import formats
from .entities import Tagger
from .errors import DecodeError, KBError, NotADigest, ParseError
from .reading import read_text
from .store import Store, content_hash

log = logging.getLogger(__name__)

DIGEST_SUFFIXES = {".md", ".markdown", ".txt"}

ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED, PRUNED = (
    "added", "updated", "unchanged", "skipped", "failed", "pruned",
)

Progress = Callable[[Iterable], Iterable]


@dataclass(frozen=True)
class FileResult:
    """What happened to one file; ``reason`` explains skips and failures."""

    path: str
    status: str
    reason: str | None = None
    issue_id: str | None = None
    items: int = 0
    notes: tuple[str, ...] = ()


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> dict:
        counts = {s: self.count(s) for s in (ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED, PRUNED)}
        return {
            "files": sum(counts[s] for s in (ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED)),
            **counts,
            "items": sum(f.items for f in self.files if f.status in (ADDED, UPDATED)),
            "ok": self.ok,
            "failures": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "skips": [{"path": f.path, "reason": f.reason} for f in self.files if f.status == SKIPPED],
            "notes": [{"path": f.path, "note": n} for f in self.files for n in f.notes],
        }


def discover(paths: Sequence[str | Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: directories are walked for digest files (hidden ones skipped);
    files named explicitly are taken whatever their suffix. Missing paths raise KBError."""
    found: dict[Path, Path] = {}
    for raw in paths:
        p = Path(raw).expanduser().resolve()
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith(".") and Path(name).suffix.lower() in DIGEST_SUFFIXES:
                        found.setdefault(Path(dirpath) / name, p)
        elif p.exists():
            found.setdefault(p, p.parent)
        else:
            raise KBError(f"no such file or directory: {raw}")
    return sorted(found.items())


def fingerprint(tagger: Tagger) -> str:
    """Identifies the parser and gazetteer that produced stored items: when either
    changes, files are parsed and tagged again even if their bytes did not change."""
    h = hashlib.sha1()
    for src in sorted(Path(formats.__file__).parent.glob("*.py")):
        h.update(src.read_bytes())
    here = Path(__file__)
    # decoding, normalisation and what counts as a digest change stored items too
    for name in (here.name, "entities.py", "reading.py", "text.py", "models.py"):
        h.update(here.with_name(name).read_bytes())
    h.update(tagger.fingerprint().encode())
    return h.hexdigest()[:16]


def ingest(
    paths: Sequence[str | Path],
    store: Store,
    tagger: Tagger,
    *,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every digest under ``paths`` into ``store``; see the module docstring."""
    report = IngestReport()
    files = discover(paths)
    states = store.file_states()
    fp = fingerprint(tagger)
    iterator: Iterable = files if progress is None else progress(files)
    for path, root in iterator:
        report.files.append(_ingest_one(path, root, store, tagger, states, fp))
    if prune:
        gone = [s for s in states if not Path(s).exists()]
        store.delete_issues(gone)
        report.files += [FileResult(s, PRUNED) for s in gone]
    store.prune_entities()
    return report


def _kept(old) -> str:
    """Say that a stored earlier version of the file is still searchable."""
    return "; the stored version of this issue is kept (delete the file and use --prune to drop it)" \
        if old else ""


def _ingest_one(
    path: Path, root: Path, store: Store, tagger: Tagger, states: dict, fp: str
) -> FileResult:
    source = str(path)
    try:
        st = path.stat()
        old = states.get(source)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns and old.fingerprint == fp:
            return FileResult(source, UNCHANGED, issue_id=old.issue_id)
        decoded = read_text(path)
        if not decoded.text.strip():
            return FileResult(source, FAILED, "empty file: nothing to ingest" + _kept(old))
        hash_ = content_hash(decoded.text)
        if old and old.content_hash == hash_ and old.fingerprint == fp:
            store.touch_issue(source, st.st_size, st.st_mtime_ns)
            return FileResult(source, UNCHANGED, issue_id=old.issue_id)
        parsed = formats.parse_text(decoded.text, path)
        if parsed.date is None:
            raise NotADigest("no issue date in its front matter, file name or first heading")
        tags = [tagger.tag(it.title, it.text) for it in parsed.items]
        issue_id, n = store.replace_issue(
            source, parsed, tags, root=str(root), hash_=hash_, size=st.st_size,
            mtime_ns=st.st_mtime_ns, fingerprint=fp,
        )
    except NotADigest as exc:
        # readable, and its content has no items now: what was stored from it goes too
        dropped = ""
        if old and store.delete_issues([source]):
            dropped = "; its earlier version was removed from the store"
        return FileResult(source, SKIPPED, f"not a digest: {exc}{dropped}")
    except (DecodeError, ParseError) as exc:
        return FileResult(source, FAILED, str(exc) + _kept(old))
    except OSError as exc:
        return FileResult(source, FAILED, f"cannot read: {exc.strerror or exc}")
    except RecursionError:
        return FileResult(source, FAILED, "too deeply nested to parse" + _kept(old))
    except sqlite3.OperationalError as exc:
        return FileResult(source, FAILED, f"could not write to the store ({exc}): is another "
                          "`kb ingest` running on this --db? Re-run when it has finished")
    except Exception as exc:  # a parser bug must not stop the other files
        log.exception("internal error on %s", source)
        return FileResult(source, FAILED, f"internal error ({type(exc).__name__}: {exc}); "
                          "please report it with this file" + _kept(old))
    notes = tuple(parsed.notes) + ((decoded.note,) if decoded.note else ())
    if decoded.encoding not in ("utf-8",):
        notes += (f"decoded as {decoded.encoding}",)
    return FileResult(source, UPDATED if old else ADDED, issue_id=issue_id, items=n, notes=notes)
