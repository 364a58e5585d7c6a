"""kb.formats on broken, odd and huge input; issue dates and titles; markdown helpers."""

from __future__ import annotations

import time

import pytest

from kb.errors import NotADigest, ParseError
from kb.formats import markdown as md
from kb.formats import parse_text

SEED_LIKE = """---
title: AI 日报测试
date: 2025-06-10 23:26:56
summary: "- 不是条目"
---
# AI 日报测试

## 大模型

### 甲公司发布新模型

甲公司今天发布了新模型：
- 指标一
- 指标二

**深度解读 & 洞察：**
- 洞察一

### 乙公司融资

乙公司完成 B 轮融资。

## 更多动态

- [丙产品上线](https://example.com/c)：丙产品今日上线
- 丁团队发布报告
"""


def test_seed_like_issue() -> None:
    issue = parse_text(SEED_LIKE, "inbox/2025-06-10.md")
    assert issue.layout == "seed"
    assert issue.date == "2025-06-10" and issue.title == "AI 日报测试"
    assert [(i.position, i.section, i.title, i.kind) for i in issue.items] == [
        (1, "大模型", "甲公司发布新模型", "main"),
        (2, "大模型", "乙公司融资", "main"),
        (3, "更多动态", "丙产品上线", "brief"),
        (4, "更多动态", "丁团队发布报告", "brief"),
    ]
    assert issue.items[0].text == "甲公司今天发布了新模型：\n\n- 指标一\n- 指标二\n\n深度解读 & 洞察：\n\n- 洞察一"
    assert issue.items[2].text == "丙产品上线：丙产品今日上线" and issue.items[2].url == "https://example.com/c"
    assert issue.notes == ()


def test_crlf_parses_like_lf() -> None:
    lf = parse_text(SEED_LIKE, "x/2025-06-10.md")
    crlf = parse_text(SEED_LIKE.replace("\n", "\r\n"), "x/2025-06-10.md")
    assert crlf == lf
    assert parse_text(SEED_LIKE.replace("\n", "\r"), "x/2025-06-10.md") == lf  # old Mac endings too


def test_bom_is_ignored() -> None:
    assert parse_text("\ufeff" + SEED_LIKE, "x.md").items == parse_text(SEED_LIKE, "x.md").items


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n", "\ufeff"])
def test_empty_text_is_not_a_digest(text: str) -> None:
    with pytest.raises(NotADigest, match="empty file"):
        parse_text(text, "empty.md")


def test_front_matter_only_is_not_a_digest() -> None:
    with pytest.raises(NotADigest, match="no body"):
        parse_text("---\ntitle: x\ndate: 2025-01-05\n---\n\n\n", "dailyNews_2025-01-05.md")


def test_truncated_front_matter_without_body_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="never closed"):
        parse_text("---\ntitle: x\n", "broken.md")


def test_truncated_front_matter_with_body_is_recovered_with_a_note() -> None:
    broken = SEED_LIKE.replace("---\n# AI", "# AI", 1)  # drop the closing fence
    issue = parse_text(broken, "x/2025-06-10.md")
    assert len(issue.items) == 4 and issue.title == "AI 日报测试" and issue.date == "2025-06-10"
    assert any("no closing '---'" in n for n in issue.notes)


def test_invalid_yaml_front_matter_is_read_line_by_line() -> None:
    text = ('---\ntitle: "Daily News #2025-06-10"\ndate: "2025-06-10"\n'
            'description: "a "quoted" word\nsecond line"\n---\n\n'
            "## 🤖 AI info\n\n### [Item one](https://a.example/1)\n\n来源：X\n\nSummary one.\n")
    issue = parse_text(text, "news.md")
    assert issue.layout == "shibing624" and issue.date == "2025-06-10"
    assert issue.items[0].title == "Item one"
    assert any("not valid YAML" in n for n in issue.notes)


def test_date_sources_and_disagreement_note() -> None:
    body = "# Title 2025-06-12\n\n## S\n\n### One\n\ntext\n\n### Two\n\ntext\n\n## 更多动态\n\n- [a](https://a.b)\n"
    issue = parse_text("---\ndate: 2025-06-10\n---\n" + body, "2025-06-11.md")
    assert issue.date == "2025-06-10"
    assert "date disagrees: front matter 2025-06-10, file name 2025-06-11, heading 2025-06-12; using front matter" \
        in issue.notes
    assert parse_text(body, "digest_2025-06-11_v2.md").date == "2025-06-11"  # file name beats heading
    assert parse_text(body, "notes.md").date == "2025-06-12"  # heading is the last resort
    assert parse_text(body.replace(" 2025-06-12", ""), "notes.md").date is None


def test_yaml_date_objects_and_datetimes() -> None:
    body = "\n## S\n\n### One\n\ntext\n\n### Two\n\ntext\n\n## 更多动态\n\n- x\n"
    assert parse_text("---\ndate: 2025-12-24\n---" + body, "a.md").date == "2025-12-24"
    assert parse_text("---\ndate: 2025-12-24T08:00:00Z\n---" + body, "a.md").date == "2025-12-24"
    assert parse_text('---\ndate: "2025/1/5 08:00"\n---' + body, "a.md").date == "2025-01-05"
    bad = parse_text("---\ndate: 2025-13-45\n---" + body, "2025-06-01.md")
    assert bad.date == "2025-06-01" and any("not a valid date" in n for n in bad.notes)


def test_title_falls_back_to_h1_then_stem() -> None:
    body = "## S\n\n### One\n\ntext\n\n### Two\n\ntext\n\n## 更多动态\n\n- x\n"
    assert parse_text("# The H1\n\n" + body, "a/b/stem.md").title == "The H1"
    assert parse_text(body, "a/b/stem.md").title == "stem"


def test_hugo_pages_are_not_digests() -> None:
    with pytest.raises(NotADigest, match="about"):
        parse_text("---\ntitle: 关于\ntype: about\n---\n\n## 关于我们\n\n**1. 产品**\n- a\n", "about.md")
    with pytest.raises(NotADigest, match="index"):
        parse_text("---\ntitle: x\ncascade:\n  type: docs\n---\n\n## 今日\n\n1. 一条足够长的新闻。\n", "x.md")
    with pytest.raises(NotADigest, match="index"):
        parse_text("---\ntitle: 2025-08\nweight: 1\n---\n", "2025-08/_index.md")


def test_prose_is_not_a_digest() -> None:
    with pytest.raises(NotADigest, match="no digest items"):
        parse_text("Just a note.\n\nAnother paragraph of prose.\n", "note.md")


def test_ten_megabytes_parse_in_reasonable_time() -> None:
    unit = SEED_LIKE.split("---\n", 2)[2].replace("# AI 日报测试\n", "")
    big = SEED_LIKE + unit * (10_000_000 // len(unit.encode()) + 1)
    assert len(big.encode()) > 10_000_000
    start = time.perf_counter()
    issue = parse_text(big, "big.md")
    elapsed = time.perf_counter() - start
    assert len(issue.items) > 40_000
    assert elapsed < 20, f"{elapsed:.1f} s for 10 MB"


@pytest.mark.parametrize("unit", ["[a ", "*a ", "_a ", "![x](", "[x](a", "<a ", "http://x.y/z "])
def test_pathological_lines_stay_linear(unit: str) -> None:
    text = "# T\n\n## S\n\n### Item\n\n" + unit * 200_000 + "\n\n### Item 2\n\ntext\n"
    start = time.perf_counter()
    parse_text(text, "x.md")
    assert time.perf_counter() - start < 10


def test_unclosed_code_fence_does_not_swallow_the_file() -> None:
    text = "## S\n\n### **今日摘要**\n\nsummary line\n```\n\n### One\n\ntext\n\n### Two\n\ntext\n\n## 更多动态\n\n- x\n"
    issue = parse_text(text, "x.md")
    assert [i.title for i in issue.items][-3:] == ["One", "Two", "x"]


# --------------------------------------------------------------------------- markdown helpers


def test_strip_inline() -> None:
    s = "**Bold** and *em* and `code` ![img](http://i.png) [link **text**](http://x.y) <br/>next &amp; more"
    assert md.strip_inline(s) == "Bold and em and code link text\nnext & more"
    assert md.strip_inline("keep snake_case_name and 5*3 and a_b_c") == "keep snake_case_name and 5*3 and a_b_c"
    assert md.strip_inline(r"How NVIDIA Reached \#1") == "How NVIDIA Reached #1"


def test_links_in_order_without_images() -> None:
    s = ("see [a](https://a.example/x_(y)) and ![i](https://img.example/i.png) then https://b.example/p?q=1. "
         '<a href="https://c.example">c</a> <video src="https://v.example/v.mp4"></video> [toc](#anchor) '
         "<https://d.example/auto> [a again](https://a.example/x_(y))")
    assert md.dedupe(md.links_in(s)) == (
        "https://a.example/x_(y)", "https://b.example/p?q=1", "https://c.example", "https://d.example/auto")


def test_render_blocks() -> None:
    text = ("Para one\nline two\n\n- bullet a\n- bullet b\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |"
            "\n\n---\n\n<video src='x'></video>")
    assert md.render(md.parse_blocks(text)) == "Para one\nline two\n\n- bullet a\n- bullet b\n\nquoted\n\na | b\n1 | 2"


def test_list_items_take_indented_and_lazy_lines() -> None:
    blocks = md.parse_blocks("1. **Title**\n   body line\n\n   ![img](x)\n2. Second\nlazy line\n\nafter")
    assert [b.kind for b in blocks] == ["item", "item", "para"]
    assert blocks[0].lines == ["**Title**", "body line", "", "![img](x)"]
    assert blocks[1].lines == ["Second", "lazy line"]


def test_hashtags_are_not_headings() -> None:
    assert md.parse_blocks("#开源 #AI")[0].kind == "para"
    assert md.parse_blocks("# 标题")[0].kind == "heading"
