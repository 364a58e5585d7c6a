"""dongyu / 爱窝啦 "AI资讯日报" layout (Hugo site), four format epochs in one archive.

Why a dedicated parser: one archive changed its item shape four times and wraps the news
in summaries, navigation, ads, FAQ, podcast tables and even a serialised sci-fi story.
No single "item unit" fits, so this parser skips the known non-item zones by heading and
then takes, inside the remaining sections, whatever item shapes it meets:

* epoch a (to 2025-07-18): ``### **section**`` + numbered paragraphs (``1.  text<br/>![img]``),
  inline ``[跳转链接](url)`` links;
* epoch b (07-19 → 12-09): a fenced ``今日摘要`` block, ``### section`` + numbered items,
  ad sections (``AI产品自荐``, ``一个 AI Coding 邀请函``, ``COMET浏览器推荐``, a sci-fi serial);
* epoch c (12-10 → 12-23): ``1. **title**`` + indented body, bold-line items
  (``**🔥 title**`` + paragraph), a 50-line ``《今日全量快讯清单》`` list (12-18), bold numbered
  ``**1. title**`` TOP-10 entries and ``分类速览`` bullets (12-19 → 12-23);
* epoch d (12-24 →): ``## 🔥 重磅 TOP 10`` with ``### N. [title](url)`` + paragraph + media,
  ``📌 值得关注`` bullets, ``😄 AI趣闻`` headings.

Never items: 今日摘要 / AI内容摘要 code blocks, 快速导航, 只有一句话, 3 个关键词, 全量索引 and
更多动态 tables, AI趋势预测, 相关问题 / 常见问题 FAQ, 今日推荐产品, podcast tables, ads
(any block linking to aivora.cn), ``**[产品]**``-style labels over bullet lists, and the
``**写在最后：**`` outro with its community plug.

Item fields: ``###`` heading items and bullets take their leading link as url; numbered
paragraphs and bold-line items have url None (their inline links go to ``links``).
Numbered paragraphs with no title get a derived title (see :mod:`kb.formats.units`).
"""

from __future__ import annotations

import re

from kb.formats import markdown as md
from kb.formats.doc import Document, Draft
from kb.formats.units import find_lead, strip_enum, unit_from_lines
from kb.models import BRIEF, MAIN

NAME = "dongyu"

# Non-item zones.  _SKIP_TREE headings take their sub-headings with them (an ad with its
# own ### title, the FAQ's ### questions, the sci-fi serial's chapters); _SKIP_OWN headings
# only lose their own blocks, because the news sections often follow them one level deeper
# (``## ⚡ 快速导航`` is followed by ``### 产品与功能更新``).
_SKIP_TREE = re.compile(
    r"相关问题|常见问题|AI产品自荐|邀请函|科幻小说|趋势预测|推荐产品|账号极速发货|获取成本"
)
_SKIP_OWN = re.compile(
    r"今日摘要|内容摘要|快速导航|只有一句话|关键词|全量索引|语音版|COMET浏览器推荐|更多动态"
)
_MASTHEAD = re.compile(r"AI洞察日报|AI资讯日报|爱窝啦\s*AI\s*日报")
_ITEM_HEADING = re.compile(r"^\s*(?:\*\*|__)?\s*(?:\d{1,3}\s*[.、)]\s*\S|\[[^\]]+\]\(https?://)")
_AD = ("aivora", "爱窝啦", "爱捉啦")
# A bold outro line ("**写在最后：**" + community plug) ends the news until the next heading.
_OUTRO = re.compile(r"^\W*(?:写在最后|结语|最后的话)")
_EPOCH_D = re.compile(r"^###[ \t]+\d{1,2}\.[ \t]*\[", re.MULTILINE)


def detect(doc: Document) -> bool:
    if doc.fm is not None and "linkTitle" in doc.fm.data and "日报" in (doc.fm_str("title") or ""):
        return True
    body = doc.body
    if _MASTHEAD.search(body[:2000]):
        return True
    return "今日摘要" in body and ("快速导航" in body or "TOP 10" in body)


def epoch(doc: Document) -> str:
    """Which of the four format epochs the file looks like (from content, not its date)."""
    body = doc.body
    if _EPOCH_D.search(body):
        return "d"
    if "快速导航" in body:
        return "c"
    if "今日摘要" in body or "AI资讯日报" in body or "AI产品自荐" in body:
        return "b"
    return "a"


class _Open:
    """An item whose body is still being collected (a heading item or a bold-line item)."""

    def __init__(self, section: str | None, title: str, url: str | None, head: str,
                 first: list[str], heading: bool) -> None:
        self.section, self.title, self.url, self.head = section, title, url, head
        self.heading = heading
        self.blocks: list[md.Block] = [md.Block("para", first)] if first else []

    def draft(self) -> Draft:
        links = md.dedupe(md.links_in(self.head) + md.block_links(self.blocks))
        return Draft(self.section, self.title, md.render(self.blocks), self.url, links, MAIN)


def _is_ad(b: md.Block) -> bool:
    t = b.text.lower() if b.kind != "hr" else ""
    return any(a in t for a in _AD)


def parse(doc: Document) -> tuple[list[Draft], list[str]]:
    drafts: list[Draft] = []
    notes = [f"dongyu epoch {epoch(doc)}"]
    blocks = doc.blocks
    skip_level: int | None = None
    section: str | None = None
    cur: _Open | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None:
            drafts.append(cur.draft())
            cur = None

    for k, b in enumerate(blocks):
        if b.kind == "heading":
            close()
            if skip_level is not None and b.level > skip_level:
                continue
            skip_level = None
            title = md.strip_inline(b.lines[0])
            if _SKIP_TREE.search(title):
                skip_level = b.level
                continue
            if _SKIP_OWN.search(title):
                skip_level = 6  # until the next heading of any level
                continue
            if _ITEM_HEADING.match(b.lines[0]):
                lead = find_lead(b.lines[0])
                if lead is not None:
                    cur = _Open(section, lead.title, lead.url, b.lines[0],
                                [lead.rest] if md.strip_inline(lead.rest) else [], True)
                else:
                    cur = _Open(section, strip_enum(title), None, b.lines[0], [], True)
                continue
            # the masthead ("AI洞察日报 2025/6/5") is the issue heading, not a section
            section = None if _MASTHEAD.search(title) else title or section
            continue
        if skip_level is not None or b.kind in ("fence", "table"):
            continue
        if b.kind == "hr":
            close()
            continue
        if _is_ad(b):
            continue
        if b.kind == "item":
            if cur is not None and cur.heading:
                cur.blocks.append(b)  # lists inside a ### item belong to it
                continue
            close()
            drafts.append(_list_item(b, section))
            continue
        if b.kind == "para":
            if _OUTRO.match(md.strip_inline(b.lines[0])):
                close()
                skip_level = 6
                continue
            lead = find_lead(b.lines[0])
            if lead is not None and lead.separated and lead.url and len(b.lines) == 1 \
                    and not (cur and cur.heading):
                close()  # "**[产品]** [title](url) - desc" paragraphs: one brief each
                drafts.append(_list_item(md.Block("item", b.lines, 0, "-", b.line_no), section))
                continue
            if lead is not None and not lead.separated and not (cur and cur.heading):
                nxt = _next_content(blocks, k)
                if nxt is not None and nxt.kind == "item" and len(b.lines) == 1:
                    close()  # "**[产品]**" over a bullet list: a label, not an item
                    continue
                close()
                rest = [lead.rest] if md.strip_inline(lead.rest) else []
                cur = _Open(section, lead.title, None, "", rest + b.lines[1:], False)
                continue
        if cur is not None:
            cur.blocks.append(b)
        # anything else outside an item (a stray sentence, an image) is not news
    close()
    return drafts, notes


def _next_content(blocks: list[md.Block], k: int) -> md.Block | None:
    for j in range(k + 1, len(blocks)):
        if not _is_ad(blocks[j]):
            return blocks[j]
    return None


def _list_item(b: md.Block, section: str | None) -> Draft:
    unit = unit_from_lines(b.lines, prefer_lead_url=not b.ordered)
    url = unit.url
    if not b.ordered and url is None and unit.links:
        url = unit.links[0]  # a bullet's link is its item link even when it is not the lead
    kind = BRIEF if unit.brief or (not b.ordered and len(b.lines) == 1) else MAIN
    return Draft(section, unit.title, unit.text, url, unit.links, kind)
