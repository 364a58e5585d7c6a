"""The user's own digest layout ("seed": the AI 日报 written from aibase-style sources).

Why a dedicated parser: it is the primary format and the one with hand-checked truth
(``seed_items.json``), so it is parsed by its rules, not guessed at:

* ``# title``, then ``## section`` headings;
* inside a section, each ``### heading`` is a main item (its paragraphs, bullets and the
  ``**深度解读 & 洞察：**`` block all stay in the item's text);
* a section with no ``###`` whose content is a bullet list (``## 更多动态``) holds briefs:
  every top-level ``- `` bullet is one item.  Title = the bullet's leading link text
  ``[title](url)``, or the whole bullet text when it has no leading link; url = that link;
  text = the whole readable bullet line;
* the YAML ``summary`` repeats the top items and is never read.
"""

from __future__ import annotations

import re

from kb.formats import markdown as md
from kb.formats.doc import Document, Draft
from kb.formats.units import find_lead
from kb.models import BRIEF, MAIN

NAME = "seed"

_MORE = re.compile(r"^##[ \t]+更多动态[ \t]*$", re.MULTILINE)
_INSIGHT = "**深度解读"


def detect(doc: Document) -> bool:
    if doc.fm is not None and {"summary", "coverImage", "seo"} & set(doc.fm.data):
        return True
    body = doc.body
    return _MORE.search(body) is not None or (_INSIGHT in body and "\n### " in body)


def parse(doc: Document) -> tuple[list[Draft], list[str]]:
    notes: list[str] = []
    drafts: list[Draft] = []
    root = md.section_tree(doc.blocks)
    for sec in _sections(root):
        if sec.heading is not None and sec.level >= 3:  # ### directly under the title
            drafts.append(_main_item(sec, None))
            continue
        subs = [c for c in sec.children if c.level == 3]
        if subs:
            for item in sec.children:
                drafts.append(_main_item(item, sec.title if sec.heading else None))
            if any(b.kind != "hr" for b in sec.blocks) and md.render(sec.blocks):
                notes.append(f"text under '{sec.title}' before its first ### was not an item")
            continue
        bullets = [b for b in sec.blocks if b.kind == "item"]
        if bullets:
            for b in bullets:
                drafts.append(_brief(b, sec.title or None))
        elif sec.heading is not None and md.render(sec.blocks):
            notes.append(f"section '{sec.title}' has neither ### items nor bullets: skipped")
    return drafts, notes


def _sections(root: md.Section) -> list[md.Section]:
    """The ``##`` sections (or the root, for a file without them)."""
    out: list[md.Section] = []
    for c in root.children:
        if c.level == 1:
            out.extend(_sections(c))
        else:
            out.append(c)
    if not out:
        out.append(root)
    return out


def _main_item(sec: md.Section, section: str | None) -> Draft:
    blocks = sec.all_blocks()
    head = sec.heading.lines[0] if sec.heading else ""
    lead = find_lead(head)
    url = lead.url if lead and not md.strip_inline(lead.rest) else None
    title = md.strip_inline(head) if url is None else lead.title  # type: ignore[union-attr]
    links = md.dedupe(md.links_in(head) + md.block_links(blocks))
    return Draft(section, title, md.render(blocks), url, links, MAIN)


def _brief(b: md.Block, section: str | None) -> Draft:
    text = md.render([b])
    text = text[2:] if text.startswith("- ") else text.split(". ", 1)[-1] if b.ordered else text
    lead = find_lead(b.lines[0])
    links = md.dedupe(md.block_links([b]))
    if lead is not None and lead.url:
        return Draft(section, lead.title, text, lead.url, links, BRIEF)
    return Draft(section, text.split("\n", 1)[0], text, None, links, BRIEF)
