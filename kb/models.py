"""Frozen records passed between the stages: parse -> tag -> store -> search."""

from __future__ import annotations

from dataclasses import dataclass, field

MAIN = "main"
BRIEF = "brief"

ENTITY_TYPES = ("company", "model", "person")


@dataclass(frozen=True)
class ParsedItem:
    """One news item as a parser found it, before tagging.

    ``text`` is the readable body (markdown, HTML and images stripped, paragraphs kept);
    it does not repeat the title, except for one-line briefs whose whole line is the item.
    """

    position: int
    section: str | None
    title: str
    text: str
    url: str | None
    links: tuple[str, ...] = ()
    kind: str = MAIN


@dataclass(frozen=True)
class ParsedIssue:
    """One digest file as a parser found it."""

    date: str | None  # ISO yyyy-mm-dd
    title: str
    layout: str
    items: tuple[ParsedItem, ...]
    notes: tuple[str, ...] = ()  # human-readable remarks for the ingest report


@dataclass(frozen=True)
class Entity:
    """A canonical entity from the gazetteer (or a model version derived from a family)."""

    name: str
    type: str  # company | model | person
    aliases: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class Item:
    """A stored item with its issue context, as the store returns it."""

    id: str
    issue_id: str
    date: str
    source: str
    issue_title: str
    position: int
    section: str | None
    title: str
    text: str
    url: str | None
    links: tuple[str, ...]
    kind: str
    entities: tuple[str, ...] = field(default_factory=tuple)
