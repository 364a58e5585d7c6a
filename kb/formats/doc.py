"""The document every layout parser receives, and the issue-level fields all layouts share.

Why here and not in each layout: the issue date and title follow one rule for every
layout (front matter, then file name, then first heading; disagreements become notes),
and item positions are assigned in one place so no layout can get them wrong.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from kb.formats import markdown as md
from kb.formats.frontmatter import FrontMatter
from kb.models import BRIEF, MAIN, ParsedItem

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_.](\d{2})[-_.](\d{2})(?!\d)")
_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")


@dataclass
class Document:
    """A digest file after front matter splitting; blocks are parsed on first use."""

    path: PurePath
    fm: FrontMatter | None
    body: str
    notes: list[str] = field(default_factory=list)  # front-matter remarks, for the issue notes
    _blocks: list[md.Block] | None = None

    @property
    def blocks(self) -> list[md.Block]:
        if self._blocks is None:
            self._blocks = md.parse_blocks(self.body)
        return self._blocks

    def fm_str(self, key: str) -> str | None:
        return self.fm.get_str(key) if self.fm else None

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class Draft:
    """An item before its position is known."""

    section: str | None
    title: str
    text: str
    url: str | None = None
    links: tuple[str, ...] = ()
    kind: str = MAIN


def finish(drafts: list[Draft]) -> tuple[ParsedItem, ...]:
    """Number the drafts 1..n and freeze them; a title is never empty."""
    out = []
    for pos, d in enumerate(drafts, 1):
        title = d.title.strip() or _first_line(d.text) or "(untitled)"
        links = d.links
        if d.url and d.url not in links:
            links = (d.url, *links)
        out.append(ParsedItem(pos, d.section or None, title, d.text.strip(), d.url or None, links,
                              d.kind if d.kind in (MAIN, BRIEF) else MAIN))
    return tuple(out)


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0][:80] if text else ""


# --------------------------------------------------------------------------- dates


def _valid(y: str, m: str, d: str) -> str | None:
    try:
        return _dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def date_from_value(value: object) -> str | None:
    """A front-matter date value (YAML date/datetime or a string) -> ISO date."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if value is None:
        return None
    m = _DATE_IN_TEXT.search(str(value))
    return _valid(*m.groups()) if m else None


def date_from_name(path: PurePath) -> str | None:
    m = _DATE_IN_NAME.search(path.name)
    return _valid(*m.groups()) if m else None


def date_from_heading(doc: Document) -> tuple[str | None, str | None]:
    """(ISO date, heading text) from the first heading of the body, if it carries a date."""
    for b in doc.blocks:
        if b.kind == "heading":
            m = _DATE_IN_TEXT.search(b.lines[0])
            return (_valid(*m.groups()) if m else None), b.lines[0]
    return None, None


def resolve_date(doc: Document) -> tuple[str | None, list[str]]:
    """Front matter, else file name, else first heading; a note when they disagree."""
    notes: list[str] = []
    fm_raw = None
    if doc.fm:
        for key in ("date", "pubDate", "published", "publishDate"):
            if doc.fm.data.get(key) is not None:
                fm_raw = doc.fm.data[key]
                break
    fm_date = date_from_value(fm_raw)
    if fm_raw is not None and fm_date is None:
        notes.append(f"front matter date {fm_raw!r} is not a valid date; ignored")
    name_date = date_from_name(doc.path)
    head_date, _ = date_from_heading(doc)
    candidates = [("front matter", fm_date), ("file name", name_date), ("heading", head_date)]
    present = [(k, v) for k, v in candidates if v]
    if not present:
        return None, notes
    chosen_kind, chosen = present[0]
    if len({v for _, v in present}) > 1:
        described = ", ".join(f"{k} {v}" for k, v in present)
        notes.append(f"date disagrees: {described}; using {chosen_kind}")
    return chosen, notes


def resolve_title(doc: Document) -> str:
    """Front matter title, else the first ``#`` heading, else the file stem."""
    t = doc.fm_str("title")
    if t:
        return md.strip_inline(t)
    for b in doc.blocks:
        if b.kind == "heading" and b.level == 1:
            return md.strip_inline(b.lines[0])
    return doc.stem
