"""digest-kb: a searchable knowledge base over an archive of AI-news digests."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
