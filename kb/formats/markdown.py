"""Markdown inline markup -> readable text, link extraction, and readable text of blocks.

Why one module: every layout needs the same three things from item markdown: the text a
person would read (link text kept, images/HTML/emphasis dropped, paragraphs kept apart,
list items one per line), the item's http(s) links in order, and both computed in linear
time.  The block splitter lives in :mod:`kb.formats.blocks` and is re-exported here so
layouts can use ``md.parse_blocks`` / ``md.Block`` / ``md.section_tree`` from one import.

Links never include image or media sources (``![..](src)``, ``src="..."``): they are not
where the news is.
"""

from __future__ import annotations

import html
import re

from kb.formats.blocks import Block, Section, parse_blocks, section_tree

__all__ = [
    "Block", "Section", "block_links", "dedupe", "links_in", "parse_blocks", "render",
    "render_block", "section_tree", "strip_inline",
]

# --------------------------------------------------------------------------- inline

_NEST = r"(?:[^\[\]]|\[[^\[\]]*\])*"
_DEST = r"\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
_IMG_RE = re.compile(r"!\[" + _NEST + r"\]" + _DEST)
_LINK_RE = re.compile(r"\[(" + _NEST + r")\]" + _DEST)
_AUTOLINK_RE = re.compile(r"<(https?://[^\s<>]+)>")
_BARE = r"https?://[^\s<>()\[\]{}\"'，。；：！？、（）【】「」《》]+"
_SCAN_RE = re.compile(
    r"(?P<img>!\[" + _NEST + r"\]" + _DEST + r")"
    r"|\[(?P<text>" + _NEST + r")\]\(\s*<?(?P<url>(?:[^()\s<>]|\([^()\s]*\))*)>?"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
    r"|<(?P<auto>https?://[^\s<>]+)>"
    r"|\bhref\s*=\s*[\"'](?P<href>https?://[^\"']+)[\"']"
    r"|\bsrc\s*=\s*[\"'][^\"']*[\"']"
    r"|(?P<bare>" + _BARE + r")",
    re.IGNORECASE,
)
_TRAIL = ".,;:!?*_~'\""
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG_RE = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.DOTALL)
_STRONG_RE = re.compile(r"\*\*|(?<![\w_])__(?=\S)|(?<=\S)__(?![\w_])")
_EM_STAR_RE = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![*\w])")
_EM_UND_RE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\w_])")
_CODE_RE = re.compile(r"`+([^`\n]+?)`+")
_ESC_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACES_RE = re.compile(r"[ \t\u00a0\u3000]+")


def _clean_url(url: str) -> str:
    return url.strip().rstrip(_TRAIL) if url else url


def links_in(text: str) -> list[str]:
    """All http(s) link targets in ``text``, in order, without images/media sources."""
    out: list[str] = []
    if "http" not in text and "HTTP" not in text:
        return out
    for m in _SCAN_RE.finditer(text):
        url = m.group("url") or m.group("auto") or m.group("href") or m.group("bare")
        if url is None:
            if m.group("text") is not None:  # a link with a non-http target: look inside its text
                out.extend(links_in(m.group("text")))
            continue
        if m.group("url") is not None and not url.lower().startswith(("http://", "https://")):
            out.extend(links_in(m.group("text") or ""))
            continue
        if m.group("bare") is not None:
            url = _clean_url(url)
        if url:
            out.append(url.strip())
    return out


def dedupe(urls: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for u in urls:
        seen.setdefault(u, None)
    return tuple(seen)


def strip_inline(text: str) -> str:
    """Markdown/HTML inline markup -> readable text (link text kept, images dropped)."""
    if not text:
        return ""
    s = text
    if "<" in s:
        s = _AUTOLINK_RE.sub(r"\1", s)
        s = _BR_RE.sub("\n", s)
        s = _TAG_RE.sub("", s)
    if "](" in s:
        if "![" in s:
            s = _IMG_RE.sub("", s)
        s = _LINK_RE.sub(lambda m: m.group(1), s)
        if "](" in s and "![" in s:  # images that were inside link text
            s = _IMG_RE.sub("", s)
    if "*" in s or "_" in s:
        s = _STRONG_RE.sub("", s)
        if "*" in s:
            s = _EM_STAR_RE.sub(r"\1", s)
        if "_" in s:
            s = _EM_UND_RE.sub(r"\1", s)
    if "`" in s:
        s = _CODE_RE.sub(r"\1", s)
    if "~~" in s:
        s = s.replace("~~", "")
    if "\\" in s:
        s = _ESC_RE.sub(r"\1", s)
    if "&" in s:
        s = html.unescape(s)
    if "\n" in s:
        return "\n".join(t for t in (_SPACES_RE.sub(" ", ln).strip() for ln in s.split("\n")) if t)
    return _SPACES_RE.sub(" ", s).strip()


# --------------------------------------------------------------------------- readable text


def render(blocks: list[Block]) -> str:
    """Readable text of blocks: paragraphs split by blank lines, list items one per line."""
    parts: list[str] = []
    prev_item = False
    for b in blocks:
        t = render_block(b)
        if not t:
            continue
        if b.kind == "item" and prev_item and parts:
            parts[-1] += "\n" + t
        else:
            parts.append(t)
        prev_item = b.kind == "item"
    return "\n\n".join(parts)


def render_block(b: Block) -> str:
    k = b.kind
    if k == "para" or k == "heading" or k == "html":
        return strip_inline(b.text)
    if k == "item":
        inner = render(parse_blocks(b.lines)) if len(b.lines) > 1 else strip_inline(b.lines[0])
        if not inner:
            return ""
        prefix = b.marker[:-1] + ". " if b.ordered else "- "
        return prefix + inner.replace("\n\n", "\n")
    if k == "quote":
        return render(parse_blocks(b.lines))
    if k == "fence":
        return "\n".join(ln.rstrip() for ln in b.lines if ln.strip())
    if k == "table":
        rows = []
        for row in b.lines:
            cells = [strip_inline(c) for c in row.strip().strip("|").split("|")]
            if all(not c or set(c) <= set("-: ") for c in cells):
                continue
            rows.append(" | ".join(c for c in cells if c))
        return "\n".join(r for r in rows if r)
    return ""


def block_links(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b.kind != "hr":
            out.extend(links_in(b.text))
    return out


