"""Entity tagging: find the gazetteer's companies, models/products and people in text.

The ingest pipeline calls :meth:`Tagger.tag` on every item (≈12k items, budget well under
0.3 ms each), and the search calls :meth:`Tagger.find` to turn query and item text into
entity tokens.  Both run one compiled trie-shaped regex over all folded aliases plus one
small regex for model-family names, on text folded one character for one character, so
that spans point into the original string.

Rules the tagger applies on top of plain alias lookup:

* a Latin alias must not touch another Latin letter or digit (``Meta`` is not in
  ``metadata``, ``Vidu`` not in ``individual``); Chinese aliases have no such boundary;
* ambiguous aliases obey their context rule (``钉钉`` not in ``板上钉钉``; ``Atlas`` only
  near OpenAI/ChatGPT), see :class:`kb.gazetteer.ContextRule`;
* model versions parse through their family (``glm 4.7`` = ``GLM-4.7``; ``Qwen4`` is a new
  ``Qwen4`` with parent ``通义千问``); the longest match wins where names overlap;
* parents are not added, except that a product named with its company's name in front
  (``MiniMax Agent``, ``亚马逊SageMaker``, ``阿里千问``) also tags that company, since
  the text then names the company too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from kb import gazetteer as _gazetteer_module
from kb.gazetteer import LATIN, UNITS, ContextRule, Family, Gazetteer, GazetteerError, fold_text
from kb.models import Entity

__all__ = ["Gazetteer", "GazetteerError", "Tagger", "default_tagger", "fold_text"]

Span = tuple[int, int, Entity]
_LATIN_CH = re.compile(f"[{LATIN}]")

# Names inside links are slugs (github.com/exo-explore/exo, ai.meta.com/blog): not mentions.
_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"'，。、；）】]+")
# "来源：Hacker News - Newest" and "APPSO · AI/Tech · 精读" name the feed an item came
# from, not what it is about.
_SOURCE_LINE = re.compile(
    r"^[ \t>*_-]*(?:(?:来源|source)\s*[:：].*|[^\n·]{1,40} · [^\n·]{1,20} · [^\n·]{1,12})$",
    re.M | re.I,
)


class Tagger:
    """Finds gazetteer entities in text; build once, call many times (thread-safe reads)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        # One-character aliases would fire everywhere; bare numbers are never names.
        words = [a for a in gazetteer.aliases if len(a) >= 2 and not a.replace(".", "").isdigit()]
        self._literal = re.compile(trie_regex(words))
        starts: dict[str, list[Family]] = {}
        names: set[str] = set()
        for fam in gazetteer.families.values():
            spellings = set(fam.names) | (set(fam.tiers) if fam.bare_tiers else set())
            names |= spellings
            for first in {s[0] for s in spellings}:
                starts.setdefault(first, []).append(fam)
        self._family_start = re.compile(trie_regex(names, bounded=False))
        self._families_at = starts
        self._company_prefixes: dict[str, list[tuple[str, Entity]]] = {}
        self._fingerprint: str | None = None

    # -- public API ----------------------------------------------------------------------

    def find(self, text: str) -> list[Span]:
        """Entity spans ``(start, end, entity)`` in the original ``text``, in text order.

        Overlaps are resolved longest-first, so spans do not overlap, with one exception:
        a company named as the prefix of its product's name (``MiniMax`` in ``MiniMax
        Agent``) gets a span nested in the product's, listed right after it.  A consumer
        that wants a flat segmentation can skip spans that start before the previous end.
        """
        if not text:
            return []
        folded = fold_text(text)
        cands = self._literals(text, folded) + self._models(folded)
        cands.sort(key=lambda c: (c[0], c[0] - c[1], c[3]))
        skip = _skipped(folded)
        out: list[Span] = []
        last_end = -1
        for start, end, ent, _ in cands:
            if start < last_end or (skip and _inside(skip, start)):
                continue
            out.append((start, end, ent))
            if ent.type == "model":
                company = self._company_prefix(ent, folded, start, end)
                if company is not None:
                    out.append(company)
            last_end = end
        return out

    def tag(self, title: str, text: str) -> list[Entity]:
        """Canonical entities of one item (title, then body), by first occurrence, unique.

        Lines naming the item's feed (``来源：InfoQ 推荐``, ``APPSO · AI/Tech · 精读``)
        are not searched.
        """
        body = text or ""
        if "来源" in body or "ource" in body or " · " in body:
            body = _SOURCE_LINE.sub(lambda m: " " * len(m.group()), body)
        seen: dict[str, Entity] = {}
        for _, _, ent in sorted(self.find(f"{title or ''}\n{body}"), key=lambda s: (s[0], s[1])):
            seen.setdefault(ent.name, ent)
        return list(seen.values())

    def fingerprint(self) -> str:
        """Changes whenever the gazetteer data or the matching code changes, so that stored
        tags and cached tokens made with another gazetteer are recomputed."""
        if self._fingerprint is None:
            gz = self.gazetteer
            h = hashlib.sha1()
            for mod in (__file__, _gazetteer_module.__file__):
                h.update(Path(mod).read_bytes())
            for e in sorted(gz.entities.values(), key=lambda e: e.name):
                h.update(repr(e).encode())
            h.update(repr(sorted(gz.rules.items())).encode())
            for fam in sorted(gz.families.values(), key=lambda f: f.entity):
                spec = (fam.entity, fam.names, fam.version, fam.fmt, fam.tier_fmt,
                        sorted(fam.tiers.items()), fam.tier_first, fam.bare_tiers,
                        fam.collapse, fam.decimals, fam.prefix, fam.upper)
                h.update(repr(spec).encode())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    # -- matching ------------------------------------------------------------------------

    def _literals(self, text: str, folded: str) -> list[tuple[int, int, Entity, int]]:
        """Alias matches, leftmost-longest, with word boundaries and context rules."""
        gz = self.gazetteer
        out: list[tuple[int, int, Entity, int]] = []
        search = self._literal.search
        pos = 0
        while True:
            m = search(folded, pos)
            if m is None:
                return out
            start, end = m.span()
            if start and is_latin(folded[start]) and is_latin(folded[start - 1]):
                pos = start + 1
                continue
            key = m.group()
            rule = gz.rules.get(key)
            if rule is not None and not _context_ok(rule, text, folded, start, end):
                pos = start + 1
                continue
            out.append((start, end, gz.entities[gz.aliases[key]], 0))
            pos = end

    def _models(self, folded: str) -> list[tuple[int, int, Entity, int]]:
        """Family versions (``GLM-4.7``, ``Claude 4.5 Sonnet``, ``Qwen4``)."""
        gz = self.gazetteer
        out: list[tuple[int, int, Entity, int]] = []
        for m in self._family_start.finditer(folded):
            start = m.start()
            if start and is_latin(folded[start]) and is_latin(folded[start - 1]):
                continue
            best: tuple[int, tuple[str, str, str]] | None = None
            for fam in self._families_at.get(folded[start], ()):
                for rx in (fam.regex, fam.bare_regex):
                    mm = rx.match(folded, start) if rx is not None else None
                    if mm and (best is None or mm.end() > best[0]):
                        tier = mm.groupdict().get("t1") or mm.groupdict().get("t2")
                        best = (mm.end(), fam.key(mm.group("v"), tier))
            if best is not None:
                out.append((start, best[0], gz.model(best[1]), 1))
        return out

    def _company_prefix(self, ent: Entity, folded: str, start: int, end: int) -> Span | None:
        """The company whose alias opens this product's matched name, if any."""
        prefixes = self._company_prefixes.get(ent.name)
        if prefixes is None:
            prefixes = []
            for anc in self.gazetteer.ancestors(ent.name):
                if anc.type == "company":
                    for a in (anc.name, *anc.aliases):
                        prefixes.append((fold_text(a).strip(), anc))
            prefixes.sort(key=lambda p: -len(p[0]))
            self._company_prefixes[ent.name] = prefixes
        for prefix, company in prefixes:
            cut = start + len(prefix)
            if cut < end and folded.startswith(prefix, start):
                if is_latin(prefix[-1]) and is_latin(folded[cut]):
                    continue
                return (start, cut, company)
        return None


def _skipped(folded: str) -> list[tuple[int, int]]:
    """Spans of URLs, where names are not mentions."""
    if "://" not in folded and "www." not in folded:
        return []
    return [m.span() for m in _URL.finditer(folded)]


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(s <= pos < e for s, e in spans)


def _context_ok(rule: ContextRule, text: str, folded: str, start: int, end: int) -> bool:
    """Whether an ambiguous alias at ``start:end`` counts here (see ContextRule)."""
    for trap, offset in rule.unless:
        s = start - offset
        if s >= 0 and folded.startswith(trap, s):
            return False
    if rule.case and unicodedata.normalize("NFKC", text[start:end]) not in rule.case:
        return False
    if rule.near or rule.not_near:
        lo, hi = max(0, start - rule.window), end + rule.window
        window = folded[lo:start] + " " + folded[end:hi]
        if rule.near and not any(anchor in window for anchor in rule.near):
            return False
        if any(anchor in window for anchor in rule.not_near):
            return False
    return True


def trie_regex(words: Iterable[str], bounded: bool = True) -> str:
    """One regex alternation for many literal words, shaped as a trie.

    Python's ``re`` tries alternatives one by one; sharing prefixes makes a few thousand
    aliases cost about as much as a few.  A word ending in a Latin letter or digit gets a
    lookahead so it cannot end inside a longer word (``meta`` in ``metadata``); the start
    of a word is checked by the caller.  Longer words are tried first.
    """
    trie: dict[str, Any] = {}
    for w in words:
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any], last: str) -> str:
        end = ""
        if bounded and last.isdigit():  # "Gemini 3" is not in "Gemini 3月"
            end = rf"(?![{LATIN}]|\.\d|\s?{UNITS})"
        elif bounded and _LATIN_CH.match(last):
            end = rf"(?![{LATIN}]|\.\d)"
        alts = [re.escape(ch) + build(sub, ch) for ch, sub in sorted(node.items()) if ch]
        if "" in node:
            alts.append(end)
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return "|".join(re.escape(ch) + build(sub, ch) for ch, sub in sorted(trie.items()) if ch) or "(?!)"


def is_latin(ch: str) -> bool:
    """True for characters that make a word boundary fail when adjacent to a Latin name."""
    return bool(_LATIN_CH.match(ch))


@lru_cache(maxsize=8)
def _cached(extra: tuple[str, ...]) -> Tagger:
    return Tagger(Gazetteer.load([Path(p) for p in extra]))


def default_tagger(extra: Sequence[Path | str] = ()) -> Tagger:
    """The tagger over the package gazetteer plus ``extra`` user files, built once per set.

    The caller (kb.config) decides which user files exist; this never reads the
    environment.
    """
    return _cached(tuple(str(Path(p).resolve()) for p in extra))
