"""The one place text is normalised: width, case and script (traditional -> simplified).

Every comparison of names or query terms in digest-kb goes through :func:`fold`, so that
``ＧＬＭ``, ``glm`` and ``GLM`` meet, and ``字節跳動`` meets ``字节跳动``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese -> simplified; other scripts pass through unchanged."""
    return _T2S.convert(text) if text else text


def fold(text: str) -> str:
    """NFKC + casefold + traditional->simplified: the key every match is made on.

    Length may change (NFKC expands some ligatures), so do not use offsets in the result
    to index the original string; use :func:`fold_char_map` when offsets matter.
    """
    if not text:
        return ""
    return to_simplified(unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """Fold one character; cached because tagging folds every character of the corpus."""
    return fold(ch)


def fold_aligned(text: str) -> str:
    """Fold ``text`` character by character so that offsets in the result equal offsets
    in the input (characters whose folded form is not one character are kept as is,
    lower-cased). Used by taggers that must report spans in the original text."""
    out = []
    for ch in text:
        f = fold_char(ch)
        out.append(f if len(f) == 1 else ch.lower() if len(ch.lower()) == 1 else ch)
    return "".join(out)
