"""Plain-text rendering of hits and item context for the terminal (the UI has its own).

Snippets are cut around the first matched term; matches are marked in colour on a
terminal and with 【】 otherwise, so marks survive pipes and copy-paste.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Item
from .text import fold_aligned

SNIPPET_CHARS = 160


def find_terms(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of ``terms`` in ``text``, compared after folding
    (case, width, traditional script), longest terms first."""
    folded = fold_aligned(text)
    uniq = sorted({t for t in (fold_aligned(t) for t in terms) if t.strip()}, key=len, reverse=True)
    if not uniq:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in uniq))
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def snippet(text: str, terms: Sequence[str], *, width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around the first match, with match spans relative to it."""
    flat = " ".join(text.split())
    spans = find_terms(flat, terms)
    start = 0
    if spans and spans[0][0] > width // 3:
        start = spans[0][0] - width // 4
    window = flat[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(flat) else ""
    rel = [(s - start + len(prefix), e - start + len(prefix)) for s, e in spans
           if s >= start and e <= start + width]
    return prefix + window + suffix, rel


def mark(text: str, spans: Sequence[tuple[int, int]], *, color: bool) -> str:
    open_, close = ("\x1b[1;33m", "\x1b[0m") if color else ("【", "】")
    out, pos = [], 0
    for s, e in spans:
        out += [text[pos:s], open_, text[s:e], close]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def render_result(result, *, explain: bool = False, color: bool = False, header: bool = True) -> str:
    f = result.filters
    lines = [f"{len(result.results)} results for {result.query!r} ({result.mode}, {result.took_ms:.0f} ms)"]
    if not header:
        lines = []
    elif f.get("parsed"):
        p = f["parsed"]
        lines.append(f"  date filter from {p['expression']!r}: {p['since'] or '…'} .. {p['until'] or '…'}"
                     f" (today = {p['today']})")
    active = {k: v for k, v in f.items() if v and k != "parsed"}
    if active and header:
        lines.append("  filters: " + ", ".join(f"{k}={v}" for k, v in active.items()))
    if result.query_entities and header:
        lines.append("  entities: " + ", ".join(result.query_entities))
    for n, h in enumerate(result.results, start=1):
        lines.append("")
        title = mark(h.title, find_terms(h.title, result.terms), color=color)
        lines.append(f"{n:2}. {title}")
        lines.append(f"    {h.date} · {h.issue_title} · {h.section or '—'} #{h.position}   id {h.id}")
        snip, spans = snippet(h.text, result.terms)
        if snip and snip != h.title:
            lines.append("    " + mark(snip, spans, color=color))
        if h.url:
            lines.append(f"    {h.url}")
        if h.entities:
            lines.append("    [" + ", ".join(h.entities) + "]")
        if h.also:
            lines.append("    also: " + ", ".join(f"{a['date']} ({a['id']})" for a in h.also))
        if explain:
            parts = []
            for m in ("bm25", "dense", "entity"):
                r, s = h.ranks.get(m), h.scores.get(m)
                parts.append(f"{m} rank {r}" + (f" score {s:.4f}" if s is not None else "") if r
                             else f"{m} —")
            lines.append(f"    fused {h.score:.5f}: " + "; ".join(parts))
    return "\n".join(lines)


def render_context(item: Item, prev: Item | None, nxt: Item | None) -> str:
    lines = [
        f"{item.issue_title}  ({item.date})",
        f"{item.source}",
        f"section: {item.section or '—'}   position {item.position}   kind {item.kind}   id {item.id}",
        "",
        f"# {item.title}",
        "",
        item.text,
        "",
    ]
    if item.url:
        lines.append(f"url: {item.url}")
    for link in item.links:
        if link != item.url:
            lines.append(f"link: {link}")
    if item.entities:
        lines.append("entities: " + ", ".join(item.entities))
    lines.append("")
    lines.append(f"previous: {prev.title} ({prev.id})" if prev else "previous: — (first item)")
    lines.append(f"next:     {nxt.title} ({nxt.id})" if nxt else "next:     — (last item)")
    return "\n".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:])")


def md_escape(text: str) -> str:
    """Escape text so Streamlit markdown shows it literally (digests carry markup and HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escaped markdown with the spans on a coloured background."""
    out, pos = [], 0
    for s, e in spans:
        out += [md_escape(text[pos:s]), ":orange-background[", md_escape(text[s:e]), "]"]
        pos = e
    out.append(md_escape(text[pos:]))
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become clickable."""
    return url if url and re.match(r"https?://", url, re.I) else None
