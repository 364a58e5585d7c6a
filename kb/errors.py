"""Named errors. Every message says what the user can do next."""

from __future__ import annotations


class KBError(Exception):
    """Base class for every error digest-kb raises on purpose."""


class DecodeError(KBError):
    """A file could not be read as text in any supported encoding."""


class NotADigest(KBError):
    """A readable text file that holds no digest items (index page, about page)."""


class ParseError(KBError):
    """A digest file is broken in a way the parser cannot recover from."""


class StoreNotFound(KBError):
    """No knowledge base exists at the given path."""

    def __init__(self, path: object) -> None:
        super().__init__(f"no knowledge base at {path}: run `kb ingest PATH --db {path}` first")


class ItemNotFound(KBError):
    """An item id that is not in the store."""

    def __init__(self, item_id: object) -> None:
        super().__init__(f"no item with id {item_id!r}: ids come from `kb items` or `kb search`")


class IndexMismatch(KBError):
    """An index was built with other settings (model, dimension) than the ones in use."""


class IndexMissing(KBError):
    """The search index has not been built yet."""


class QueryError(KBError):
    """A query or filter that cannot be understood."""
