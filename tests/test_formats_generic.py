"""The generic splitter on hand-made layouts nobody has seen (tests/fixtures/formats/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.errors import NotADigest
from kb.formats import detect_layout, parse_as, parse_text
from kb.formats import markdown as md
from kb.formats.generic import find_units, html_to_markdown

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"


def parse_fixture(name: str):  # type: ignore[no-untyped-def]
    p = FIXTURES / name
    return parse_text(p.read_text(encoding="utf-8"), p)


@pytest.mark.parametrize("name", ["newsletter_numbered_h2.md", "bold_lines.md", "numbered_paragraphs.txt",
                                  "linked_bullets_toc.md", "html_newsletter.html", "overview_repeats.md"])
def test_unseen_layouts_fall_back_to_generic(name: str) -> None:
    p = FIXTURES / name
    assert detect_layout(p.read_text(encoding="utf-8"), p) == "generic"


def test_numbered_h2_newsletter() -> None:
    issue = parse_fixture("newsletter_numbered_h2.md")
    assert issue.layout == "generic"
    assert issue.title == "The Weekly Tensor — Issue 42"
    assert [i.title for i in issue.items] == [
        "OpenAI ships a new reasoning model", "Mistral raises a Series C", "A benchmark for spreadsheet agents"]
    first, _, last = issue.items
    assert first.text.startswith("OpenAI released o5-mini on Tuesday.")
    assert "\n\nPricing starts at $1" in first.text  # paragraphs kept apart
    assert first.links == ("https://arcprize.org/leaderboard",)
    assert last.links == ("https://arxiv.org/abs/2509.00001",)  # bare URL, trailing "." dropped
    assert "Thanks for reading" not in last.text  # footer after the rule
    assert all("In this issue" not in i.text for i in issue.items)  # the intro TOC is no item


def test_bold_title_lines() -> None:
    issue = parse_fixture("bold_lines.md")
    assert issue.date == "2025-09-03" and issue.title == "每日AI快讯"
    assert [i.title for i in issue.items] == ["阿里发布通义千问3.5", "英伟达财报超预期", "欧盟AI法案通用模型条款生效",
                                              "月之暗面开源Kimi K2"]
    assert issue.items[0].text == ("阿里云今日发布通义千问3.5，参数规模达到万亿级，在多项中文基准上领先。\n"
                                   "详情见 官方博客。")
    assert issue.items[0].links == ("https://qwenlm.github.io/blog/qwen3.5/",)
    assert issue.items[1].text.startswith("英伟达第二季度营收")


def test_numbered_paragraphs() -> None:
    issue = parse_fixture("numbered_paragraphs.txt")
    assert issue.date == "2025-09-05"  # from the heading: no front matter, no date in the name
    assert len(issue.items) == 4
    first = issue.items[0]
    assert first.title == "字节跳动发布豆包大模型1.6，支持256K上下文，价格下调六成，开发者可在火山引擎直接调用"
    assert first.text.startswith("字节跳动发布豆包大模型1.6")  # the "1、" numbering is gone


def test_linked_bullets_with_toc() -> None:
    issue = parse_fixture("linked_bullets_toc.md")
    assert len(issue.items) == 7  # the anchor-link table of contents is not news
    assert all(i.kind == "brief" and i.url and i.url.startswith("https://") for i in issue.items)
    assert [i.section for i in issue.items] == ["Models"] * 2 + ["Tools"] * 3 + ["Research"] * 2
    assert issue.items[0].title == "Gemini 2.5 Flash Image is generally available"
    assert issue.items[0].text.endswith("image editing with character consistency")


def test_html_newsletter() -> None:
    issue = parse_fixture("html_newsletter.html")
    assert issue.title == "AI Brief – 2025-09-10" and issue.date == "2025-09-10"
    assert [i.url for i in issue.items] == [
        "https://www.anthropic.com/news/claude-sonnet-4-5", "https://openai.com/index/sora-2/",
        "https://deepmind.google/discover/blog/robotics/"]
    assert issue.items[0].title == "Anthropic releases Claude Sonnet 4.5"
    assert "<" not in issue.items[0].text and "SWE-bench Verified" in issue.items[0].text
    assert all("sora.png" not in u for i in issue.items for u in i.links)  # images are not links


def test_overview_list_that_repeats_items_is_dropped() -> None:
    issue = parse_fixture("overview_repeats.md")
    assert [i.title for i in issue.items] == [
        "Sora 2 ships with a social app", "Claude Sonnet 4.5 tops SWE-bench", "OpenAI and AMD sign a 6 GW chip deal"]
    assert [i.section for i in issue.items] == ["Models", "Models", "Infrastructure"]
    assert any("repeat other items" in n for n in issue.notes)


def test_generic_can_be_forced_and_unknown_layout_is_refused() -> None:
    p = FIXTURES / "bold_lines.md"
    assert parse_as(p.read_text(encoding="utf-8"), p, "generic").layout == "generic"
    with pytest.raises(ValueError, match="unknown layout"):
        parse_as("x", p, "nope")


def test_prose_without_items_is_not_a_digest() -> None:
    with pytest.raises(NotADigest):
        parse_text("---\ntitle: About\n---\n\n", "about.md")


def test_find_units_needs_repetition() -> None:
    one = md.parse_blocks("**Only one title**\n\nSome text under it.")
    assert find_units(one, None) == []
    sub_points = md.parse_blocks("A lead paragraph that carries the news and is long enough to matter here.\n\n"
                                 "- first sub point\n- second sub point")
    assert find_units(sub_points, None) == []


def test_html_to_markdown() -> None:
    out = html_to_markdown('<h2>Title</h2><p>Hello <b>bold</b> <a href="https://x.y/z">link</a></p><ul><li>a</li></ul>')
    assert "## Title" in out and "**bold**" in out and "[link](https://x.y/z)" in out and "- a" in out


def test_of_two_lists_that_repeat_each_other_the_fuller_one_stays() -> None:
    text = ("# Links\n\n## Top\n\n- [Alpha](https://a.example)\n- [Beta](https://b.example)\n\n"
            "## All links\n\n- [Alpha](https://a.example) — the first story, told at some length\n"
            "- [Beta](https://b.example) — the second story, also with a description\n"
            "- [Gamma](https://c.example) — a third one that only this list has\n")
    issue = parse_text(text, "links.md")
    assert [(i.title, i.section) for i in issue.items] == [
        ("Alpha", "All links"), ("Beta", "All links"), ("Gamma", "All links")]


UNSEEN = {
    "2026-02-01.md": (
        "# AI早报 2026年2月1日\n\n今日要闻速览：\n1. OpenAI发布GPT-5.3\n2. 字节跳动豆包日活破亿\n3. 智谱发布GLM-5\n\n---\n\n"
        "**1. OpenAI发布GPT-5.3**\n\nOpenAI今天发布了GPT-5.3，推理能力提升。[原文](https://example.com/a)\n\n"
        "**2. 字节跳动豆包日活破亿**\n\n字节跳动旗下豆包App日活跃用户突破一亿。[原文](https://example.com/b)\n\n"
        "**3. 智谱发布GLM-5**\n\n智谱AI发布新一代基座模型GLM-5，参数规模扩大。[原文](https://example.com/c)\n\n"
        "---\n关注我们，获取更多AI资讯。\n",
        ["OpenAI发布GPT-5.3", "字节跳动豆包日活破亿", "智谱发布GLM-5"],
        ["https://example.com/a", "https://example.com/b", "https://example.com/c"],
    ),
    "2026-02-02.md": (
        "<h1>每日AI快讯 | 2026-02-02</h1>\n"
        '<p>【月之暗面发布Kimi K3】月之暗面今天发布Kimi K3模型。<a href="https://example.com/k3">详情</a></p>\n'
        '<p>【阿里千问开源Qwen4】阿里巴巴开源通义千问Qwen4系列模型。<a href="https://example.com/q4">详情</a></p>\n'
        '<p>【谷歌发布Gemini 3.5 Pro】Google发布Gemini 3.5 Pro。<a href="https://example.com/g">详情</a></p>\n',
        ["月之暗面发布Kimi K3", "阿里千问开源Qwen4", "谷歌发布Gemini 3.5 Pro"],
        ["https://example.com/k3", "https://example.com/q4", "https://example.com/g"],
    ),
    "2026-02-03.md": (
        "---\ntitle: 周末AI观察\ndate: 2026-02-03\n---\n\n## 一、大模型\n\n"
        "- **百度文心5.5发布**：百度发布文心大模型5.5。 https://example.com/w\n"
        "- **MiniMax M3上线**：MiniMax发布M3模型。 https://example.com/m\n\n"
        "## 二、融资\n\n- **面壁智能完成新一轮融资**：面壁智能获得数亿元融资。 https://example.com/f\n",
        ["百度文心5.5发布", "MiniMax M3上线", "面壁智能完成新一轮融资"],
        ["https://example.com/w", "https://example.com/m", "https://example.com/f"],
    ),
}


@pytest.mark.parametrize("name", sorted(UNSEEN))
def test_unseen_layouts_split_into_their_items(name):
    """Bold numbered titles after a TOC, 【title】 HTML paragraphs, and a category holding
    a single bullet: each item found once, with its own link."""
    text, titles, urls = UNSEEN[name]
    issue = parse_text(text, name)
    assert issue.layout == "generic" and issue.date == name[:10]
    assert [i.title for i in issue.items] == titles
    assert [i.url for i in issue.items] == urls
