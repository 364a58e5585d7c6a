"""shibing624/daily-ai-news layout: ``### [title](url)`` items with 来源 / 发布时间 lines.

Why a dedicated parser: the format is regular and the front-matter ``description`` lists
every item title, so exactness is cheap.  Structure:

* YAML front matter (``title: "Daily News #DATE"``, ``date``, multi-line ``description``);
* a ``>`` blockquote repeating the item titles (a table of contents: never items);
* ``## emoji section`` headings (``🤖 AI info``, ``💾 Daily Code``, ...);
* items ``### [title](url)`` followed by ``来源：source``, ``发布时间：time`` and one summary.

Item text keeps the 来源 line and the summary; the 发布时间 line is dropped because the
item carries the issue date (its publication time would only confuse date filters).
"""

from __future__ import annotations

import re

from kb.formats import markdown as md
from kb.formats.doc import Document, Draft
from kb.formats.units import find_lead
from kb.models import MAIN

NAME = "shibing624"

_ITEM_HEAD = re.compile(r"^###[ \t]+\[.+\]\(https?://", re.MULTILINE)
_SOURCE = re.compile(r"^来源[：:]", re.MULTILINE)
_TIME_LINE = re.compile(r"^\s*发布时间[：:]")


def detect(doc: Document) -> bool:
    title = doc.fm_str("title") or ""
    if title.startswith("Daily News #"):
        return True
    return _ITEM_HEAD.search(doc.body) is not None and _SOURCE.search(doc.body) is not None


def parse(doc: Document) -> tuple[list[Draft], list[str]]:
    drafts: list[Draft] = []
    notes: list[str] = []
    root = md.section_tree(doc.blocks)
    _walk(root, None, drafts)
    if not drafts:
        notes.append("no ### items found")
    return drafts, notes


def _walk(sec: md.Section, section: str | None, drafts: list[Draft]) -> None:
    for child in sec.children:
        if child.level >= 3:
            drafts.append(_item(child, section))
        else:
            _walk(child, child.title if child.level == 2 else section, drafts)


def _item(sec: md.Section, section: str | None) -> Draft:
    head = sec.heading.lines[0] if sec.heading else ""
    lead = find_lead(head)
    if lead is not None and lead.url:
        title, url = lead.title, lead.url
    else:
        title, url = md.strip_inline(head), None
    blocks = []
    for b in sec.all_blocks():
        if b.kind == "para" and any(_TIME_LINE.match(ln) for ln in b.lines):
            kept = [ln for ln in b.lines if not _TIME_LINE.match(ln)]
            if not kept:
                continue
            b = md.Block("para", kept, line_no=b.line_no)
        blocks.append(b)
    links = md.dedupe(md.links_in(head) + md.block_links(blocks))
    return Draft(section, title, md.render(blocks), url, links, MAIN)
