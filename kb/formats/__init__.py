"""Digest files -> issues and items.  Entry point: :func:`parse_text`.

Why this shape: each known layout gets a small pure module (``seed``, ``shibing624``,
``dongyu``, ``makinotes``, ``redleafluan``) with ``detect(doc)`` and ``parse(doc)``; the
first layout whose ``detect`` recognises the *content* parses the file (file and folder
names are never used for detection: files get renamed and moved).  Anything unrecognised
goes to :mod:`kb.formats.generic`, which looks for the repeating item unit.

Shared rules live in one place: front matter (:mod:`.frontmatter`), markdown to readable
text and links (:mod:`.markdown`), untitled-item titles (:mod:`.units`), and the issue
date/title and item numbering (:mod:`.doc`).

Errors: :class:`~kb.errors.NotADigest` for readable text with no items (empty files,
Hugo index/about/legal pages, pages where no item is found); :class:`~kb.errors.ParseError`
for broken input that cannot be recovered (a front matter that never closes and has
nothing after it).
"""

from __future__ import annotations

import pathlib
from pathlib import PurePath
from types import ModuleType

from kb.errors import NotADigest
from kb.formats import dongyu, frontmatter, generic, makinotes, redleafluan, seed, shibing624
from kb.formats.doc import Document, finish, resolve_date, resolve_title
from kb.models import ParsedIssue

__all__ = ["LAYOUTS", "detect_layout", "parse_as", "parse_text"]

# Detection order: the most specific signatures first; seed (the user's layout) last
# among the known ones because its structure (## / ###) is the least distinctive.
_DETECTORS: tuple[ModuleType, ...] = (makinotes, redleafluan, shibing624, dongyu, seed)
_BY_NAME: dict[str, ModuleType] = {m.NAME: m for m in (*_DETECTORS, generic)}
LAYOUTS: tuple[str, ...] = tuple(_BY_NAME)

# Hugo page types that are site pages, not issues (about.md, contact.md, legal pages, tags).
_PAGE_TYPES = {"page", "about", "tags", "tag", "taxonomy", "term", "terms", "contact", "legal"}


def parse_text(text: str, path: str | pathlib.Path) -> ParsedIssue:
    """Parse one digest file's decoded text; ``path`` is used for the date and messages."""
    return _parse(text, path, None)


def parse_as(text: str, path: str | pathlib.Path, layout: str) -> ParsedIssue:
    """Like :func:`parse_text` but with the layout forced (e.g. ``"generic"``)."""
    if layout not in _BY_NAME:
        raise ValueError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    return _parse(text, path, _BY_NAME[layout])


def detect_layout(text: str, path: str | pathlib.Path) -> str:
    """The layout name :func:`parse_text` would use for this text."""
    return _choose(_document(text, path)).NAME


def _document(text: str, path: str | pathlib.Path) -> Document:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise NotADigest("empty file")
    fm, body, _, notes = frontmatter.split(text)
    return Document(PurePath(path), fm, body, notes)


def _choose(doc: Document) -> ModuleType:
    for mod in _DETECTORS:
        if mod.detect(doc):
            return mod
    return generic


def _reject_pages(doc: Document) -> None:
    if doc.stem == "_index" or (doc.fm is not None and "cascade" in doc.fm.data):
        raise NotADigest(
            "Hugo section index page (_index.md): it lists or repeats issues and is not an issue itself"
        )
    kind = (doc.fm_str("type") or "").lower() if doc.fm else ""
    if kind in _PAGE_TYPES:
        raise NotADigest(f"Hugo '{kind}' page (front matter type: {kind}), not a digest issue")
    if not doc.body.strip():
        raise NotADigest("front matter only: the file has no body")


def _parse(text: str, path: str | pathlib.Path, forced: ModuleType | None) -> ParsedIssue:
    doc = _document(text, path)
    _reject_pages(doc)
    mod = forced or _choose(doc)
    drafts, layout_notes = mod.parse(doc)
    if not drafts:
        hint = ": no repeating item unit (headings, numbered or linked lists)" if mod is generic else ""
        raise NotADigest(f"no digest items found (read as the {mod.NAME} layout){hint}")
    date, date_notes = resolve_date(doc)
    return ParsedIssue(
        date=date,
        title=resolve_title(doc),
        layout=mod.NAME,
        items=finish(drafts),
        notes=tuple(doc.notes + date_notes + layout_notes),
    )
