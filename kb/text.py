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


# -- segmentation --------------------------------------------------------------------------

ENTITY_TOKEN_PREFIX = "@"  # entity tokens never collide with words: "@智谱ai"

_STOPWORDS: frozenset[str] | None = None


def stopwords() -> frozenset[str]:
    global _STOPWORDS
    if _STOPWORDS is None:
        from importlib.resources import files

        raw = files("kb").joinpath("data/stopwords.txt").read_text("utf-8")
        _STOPWORDS = frozenset(
            w.strip() for w in raw.splitlines() if w.strip() and not w.startswith("#")
        )
    return _STOPWORDS


def entity_token(name: str) -> str:
    """The BM25 token an entity contributes wherever any of its aliases occurs."""
    return ENTITY_TOKEN_PREFIX + fold(name).replace(" ", "_")


def _is_word(tok: str) -> bool:
    return any(ch.isalnum() for ch in tok)


class Segmenter:
    """jieba segmentation on folded text, with the gazetteer's entities kept whole.

    Entity spans found by the tagger add one entity token each (so "ByteDance" and
    "字節跳動" meet on ``@字节跳动``) besides their words; model names therefore stay
    whole however they are spaced. Documents are cut in jieba's search mode (long words
    plus their sub-words, for recall); queries in accurate mode so no term counts twice.
    """

    def __init__(self, tagger) -> None:  # kb.entities.Tagger; not imported to keep layering
        self.tagger = tagger
        self._jieba = None  # built on first use: ~0.5 s that a fresh-index check need not pay
        self._stop = stopwords()

    def warm_up(self) -> None:
        """Load jieba's dictionary now rather than on the first text."""
        self._cutter()

    def _cutter(self):
        if self._jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)  # it logs "Building prefix dict" to stderr
            cutter = jieba.Tokenizer()
            cutter.initialize()
            ents = self.tagger.gazetteer.entities
            for ent in ents.values() if isinstance(ents, dict) else ents:
                for alias in (ent.name, *ent.aliases):
                    word = fold(alias)
                    if len(word) > 1 and " " not in word:
                        cutter.add_word(word, freq=20000)
            self._jieba = cutter
        return self._jieba

    def _words(self, text: str, *, for_query: bool) -> list[str]:
        folded = fold(text)
        cutter = self._cutter()
        cut = cutter.lcut(folded) if for_query else cutter.lcut_for_search(folded)
        return [w for w in (t.strip() for t in cut) if w and w not in self._stop and _is_word(w)]

    def entity_tokens(self, ent) -> list[str]:
        """An entity's token, then its model-family ancestors' (``Gemini 3 Pro`` also
        yields ``@gemini``, so a family query matches every version); companies above a
        model are not added: "智谱 上市" should not match every GLM release."""
        out = [entity_token(ent.name)]
        seen = {ent.name}
        parent = ent.parent
        while parent and parent not in seen:
            seen.add(parent)
            p = self.tagger.gazetteer.get(parent)
            if p is None or p.type != "model":
                break
            out.append(entity_token(p.name))
            parent = p.parent
        return out

    def tokens(self, text: str, *, for_query: bool = False) -> list[str]:
        """Words of ``text``; an entity's span yields entity tokens instead of its words,
        so ``GLM-4.71`` can never leak a ``glm-4.7`` word."""
        out: list[str] = []
        pos = 0
        for start, end, ent in self.tagger.find(text):
            if start < pos:
                continue
            out += self._words(text[pos:start], for_query=for_query)
            # documents carry family tokens; a query names exactly what it names
            out += [entity_token(ent.name)] if for_query else self.entity_tokens(ent)
            pos = end
        out += self._words(text[pos:], for_query=for_query)
        return out
