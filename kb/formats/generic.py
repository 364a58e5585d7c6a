"""Fallback splitter for layouts nobody has seen: find the repeating item unit.

Why: a new archive (or a reworked one) must still come out as items, not one blob.  The
splitter looks at the heading tree and at the blocks inside each section:

1. *Unit lists* inside a section: >= 2 linked or bold-lead bullets, >= 2 substantial
   numbered items, >= 2 ``**Title**`` lines each followed by text, or >= 2 numbered
   paragraphs (``1、…``).  Each unit is an item (bullets are briefs when one line long).
2. *Heading items*: among sections that hold no unit list and no sub-headings (leaves),
   the heading level with the most leaves is the item level; every heading of that level
   is an item spanning its whole subtree.  Leaves above it (intros, summaries) are dropped.
3. *Overview lists*: a unit list whose entries mostly repeat the titles or links of items
   found elsewhere (a TOC, "top stories" bullets) is dropped.

Fewer than two items means no repeating unit was found: the text is a page (about,
contact, a single article), and the caller reports it as not a digest.

Simple HTML newsletters are first turned into markdown-ish text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable

from kb.formats import markdown as md
from kb.formats.doc import Document, Draft
from kb.formats.units import find_lead, strip_enum, unit_from_lines
from kb.models import BRIEF, MAIN

NAME = "generic"

_BRACKET_LEAD = re.compile(r"^([ \t]*)【([^】\n]{2,80})】[ \t]*", re.M)
_NUM_PARA = re.compile(r"^\s*[(（]?\d{1,3}\s*[、．.)）]\s*\S")
_NUM_PREFIX = re.compile(r"^\s*[(（]?\d{1,3}\s*[、．.)）]\s*")
_HTML_LINE = re.compile(r"^\s*<(?:h[1-6]|p|li|ul|ol|div|article|section|table|tr|br)\b", re.I | re.M)


def detect(doc: Document) -> bool:
    return True


# --------------------------------------------------------------------------- HTML


def looks_like_html(text: str) -> bool:
    return len(_HTML_LINE.findall(text, 0, 20000)) >= 3 and text.count("\n#") < 2


_H_RE = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.I | re.S)
_A_RE = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_B_RE = re.compile(r"<(strong|b)\b[^>]*>(.*?)</\1\s*>", re.I | re.S)
_DROP_RE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.I | re.S)


def html_to_markdown(text: str) -> str:
    """Headings, paragraphs, list items, links and bold of simple HTML -> markdown."""
    s = _DROP_RE.sub("", text)
    s = _H_RE.sub(lambda m: "\n\n" + "#" * int(m.group(1)) + " " + " ".join(m.group(2).split()) + "\n\n", s)
    s = _A_RE.sub(lambda m: f"[{' '.join(m.group(2).split())}]({m.group(1)})", s)
    s = _B_RE.sub(lambda m: f"**{m.group(2).strip()}**", s)
    s = re.sub(r"<li\b[^>]*>", "\n- ", s, flags=re.I)
    s = re.sub(r"</?(?:p|div|section|article|ul|ol|li|table|tr)\b[^>]*>", "\n\n", s, flags=re.I)
    s = re.sub(r"<br\s*/?>", "\n", s, flags=re.I)
    s = re.sub(r"<hr\b[^>]*>", "\n\n---\n\n", s, flags=re.I)
    s = re.sub(r"</?[A-Za-z][^<>]*>", "", s)
    lines = [ln.strip() for ln in s.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------- units


def _linkish(b: md.Block) -> bool:
    """A list item that names something: an http link or a bold lead (not a TOC anchor)."""
    first = b.lines[0]
    if md.links_in(first):
        return True
    lead = find_lead(first)
    return lead is not None and first.lstrip().startswith(("**", "__"))


def _bold_line(b: md.Block) -> bool:
    """A paragraph opening with a title-only lead: ``**Title**`` or ``[Title](url)``."""
    if b.kind != "para":
        return False
    lead = find_lead(b.lines[0])
    if lead is None:
        return False
    if lead.url is None:
        return not lead.separated
    return not md.strip_inline(lead.rest)


def find_units(blocks: list[md.Block], section: str | None) -> list[Draft]:
    """Items of a section whose own blocks are a repeated unit, else [].

    A list counts only if its items carry most of the section's text (so a lead paragraph
    with a few linked sub-points stays one item); a lone numbered item that is the whole
    section counts too (a category with a single entry).
    """
    items = [b for b in blocks if b.kind == "item"]
    bullets = [b for b in items if not b.ordered]
    ordered = [b for b in items if b.ordered]
    size = sum(len(md.strip_inline(b.text)) for b in blocks if b.kind != "hr") or 1
    best: list[Draft] = []
    if len(bullets) >= 2 and sum(map(_linkish, bullets)) >= 0.6 * len(bullets) \
            and _share(bullets, size) >= 0.5:
        best = [_list_unit(b, section) for b in bullets]
    elif len(bullets) == 1 and _linkish(bullets[0]) and _share(bullets, size) >= 0.8:
        best = [_list_unit(bullets[0], section)]  # a category holding a single entry
    if ordered and len(ordered) > len(best):
        linkish = sum(map(_linkish, ordered)) >= 0.6 * len(ordered)
        avg = sum(len(md.strip_inline(b.text)) for b in ordered) / len(ordered)
        share = _share(ordered, size)
        if (len(ordered) >= 2 and (linkish or avg >= 40) and share >= 0.5) or (avg >= 40 and share >= 0.8):
            best = [_list_unit(b, section) for b in ordered]
    bold = _grouped(blocks, _bold_line, section)
    if len(bold) >= 2 and len(bold) > len(best):
        best = bold
    nums = _grouped(blocks, lambda b: b.kind == "para" and _NUM_PARA.match(b.lines[0]) is not None,
                    section, strip_number=True)
    if len(nums) >= 2 and len(nums) > len(best):
        best = nums
    return best


def _share(items: list[md.Block], size: int) -> float:
    return sum(len(md.strip_inline(b.text)) for b in items) / size


def _list_unit(b: md.Block, section: str | None) -> Draft:
    unit = unit_from_lines(b.lines)
    url = unit.url
    if url is None and not b.ordered and unit.links:
        url = unit.links[0]
    kind = BRIEF if unit.brief or (not b.ordered and len(b.lines) == 1) else MAIN
    return Draft(section, unit.title, unit.text, url, unit.links, kind)


def _grouped(blocks: list[md.Block], is_start: Callable[[md.Block], bool], section: str | None,
             strip_number: bool = False) -> list[Draft]:
    """Units that start at blocks where ``is_start`` holds and run to the next start."""
    out: list[Draft] = []
    group: list[md.Block] | None = None
    for b in [*blocks, md.Block("hr", [])]:
        if b.kind == "hr" or is_start(b):
            if group:
                head = group[0].lines
                if strip_number:
                    head = [_NUM_PREFIX.sub("", head[0], count=1), *head[1:]]
                lines = [*head, ""] + [ln for g in group[1:] for ln in (*g.text.split("\n"), "")]
                unit = unit_from_lines(lines)
                kind = BRIEF if unit.brief else MAIN
                url = unit.url or (unit.links[0] if len(unit.links) == 1 else None)
                out.append(Draft(section, unit.title, unit.text, url, unit.links, kind))
            group = [b] if b.kind != "hr" else None
        elif group is not None:
            group.append(b)
    return out


# --------------------------------------------------------------------------- tree


def _name(sec: md.Section, doc_title: md.Section | None) -> str | None:
    """Section name that items under ``sec`` get (the lone H1 is the issue title, not a section)."""
    return None if sec.heading is None or sec is doc_title else sec.title or None


def _classify(sec: md.Section, doc_title: md.Section | None, units: dict[int, list[Draft]],
              leaves: Counter[int]) -> None:
    found = find_units(sec.blocks, _name(sec, doc_title))
    if found:
        units[id(sec)] = found
    elif not sec.children and sec.heading is not None and sec is not doc_title and md.render(sec.blocks):
        leaves[sec.level] += 1
    for c in sec.children:
        _classify(c, doc_title, units, leaves)


def _has_units(sec: md.Section, units: dict[int, list[Draft]]) -> bool:
    return any(id(c) in units or _has_units(c, units) for c in sec.children)


def _heading_item(sec: md.Section, section: str | None) -> Draft:
    head = sec.heading.lines[0] if sec.heading else ""
    lead = find_lead(head)
    blocks = sec.all_blocks()
    for k, b in enumerate(blocks):  # a rule after the item's text starts a footer
        if b.kind == "hr" and k > 0:
            blocks = blocks[:k]
            break
    links = md.dedupe(md.links_in(head) + md.block_links(blocks))
    if lead is not None and lead.url and not md.strip_inline(lead.rest).strip(" -—–|:：0123456789/"):
        title, url = lead.title, lead.url
    else:
        title, url = strip_enum(md.strip_inline(head)), None
        if url is None and len(links) == 1:
            url = links[0]
    return Draft(section, title, md.render(blocks), url, links, MAIN)


def _key(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).casefold().split())


def parse(doc: Document) -> tuple[list[Draft], list[str]]:
    notes: list[str] = []
    blocks = doc.blocks
    text = doc.body
    if looks_like_html(text):
        text = html_to_markdown(text)
        notes.append("generic: read the body as HTML")
    if len(_BRACKET_LEAD.findall(text)) >= 2:
        # "【title】text" paragraphs are bold-title units written with CJK brackets
        text = _BRACKET_LEAD.sub(r"\1**\2**\n\n\1", text)
        notes.append("generic: read 【title】 lines as item titles")
    if text is not doc.body:
        blocks = md.parse_blocks(text)
        doc._blocks = blocks  # the issue title and heading date come from the converted text
    root = md.section_tree(blocks)
    h1 = [c for c in root.children if c.level == 1]
    doc_title = h1[0] if len(h1) == 1 else None
    units: dict[int, list[Draft]] = {}
    leaves: Counter[int] = Counter()
    _classify(root, doc_title, units, leaves)
    n_units = sum(len(v) for v in units.values())
    level = None
    if leaves:
        level = max(leaves, key=lambda lv: (leaves[lv], lv))
        if leaves[level] < 2 and n_units >= 2:
            level = None
    groups: list[tuple[str, list[Draft]]] = []  # ("heading" | section title, drafts), in order

    def emit(sec: md.Section, parent: md.Section | None) -> None:
        if id(sec) in units and not sec.children:
            groups.append((sec.title or "(top)", units[id(sec)]))
            return
        if sec.heading is not None and level is not None and sec.level >= level \
                and not _has_units(sec, units):
            name = _name(parent, doc_title) if parent is not None else None
            groups.append(("heading", [_heading_item(sec, name)]))
            return
        if id(sec) in units:
            groups.append((sec.title or "(top)", units[id(sec)]))
        for c in sec.children:
            emit(c, sec)

    emit(root, None)
    drafts = _drop_overviews(groups, notes)
    if len(drafts) < 2:
        # one heading and some prose is a page (about, contact, an article), not a digest
        return [], notes
    return drafts, notes


def _drop_overviews(groups: list[tuple[str, list[Draft]]], notes: list[str]) -> list[Draft]:
    """Drop unit lists whose entries mostly repeat items found elsewhere (TOCs, top-N).

    When two lists repeat each other, the one with less text per entry goes first, so the
    fuller copy survives.
    """

    def keys(d: Draft) -> list[str]:
        return [_key(d.title)] + ([d.url] if d.url else [])

    total: Counter[str] = Counter()
    for _, ds in groups:
        for d in ds:
            total.update(keys(d))
    kept = set(range(len(groups)))
    lists = [i for i, (name, ds) in enumerate(groups) if name != "heading" and len(ds) >= 2]
    lists.sort(key=lambda i: sum(len(d.text) for d in groups[i][1]) / len(groups[i][1]))
    for i in lists:
        ds = groups[i][1]
        own: Counter[str] = Counter()
        for d in ds:
            own.update(keys(d))
        if sum(1 for d in ds if any(total[k] - own[k] > 0 for k in keys(d))) >= 0.5 * len(ds):
            kept.discard(i)
            total.subtract(own)
            notes.append(f"generic: dropped {len(ds)} entries under '{groups[i][0]}' that repeat other items")
    return [d for i in sorted(kept) for d in groups[i][1]]
