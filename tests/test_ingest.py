"""Ingest end to end: the seed's items, idempotency, incremental updates, prune, bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.entities import default_tagger
from kb.ingest import ADDED, FAILED, SKIPPED, UNCHANGED, UPDATED, ingest
from kb.store import Store

from .conftest import EVAL, REPO, SEED, needs

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def tagger():
    return default_tagger()


def _store(tmp_path: Path) -> Store:
    return Store.create(tmp_path / "db" / "kb.sqlite3")


@needs(EVAL)
def test_seed_yields_its_57_items_in_order(tmp_path, seed_dir, tagger):
    with _store(tmp_path) as store:
        report = ingest([seed_dir], store, tagger)
        assert report.ok and report.count(ADDED) == 1
        items = store.items()
    truth = json.loads((EVAL / "seed_items.json").read_text("utf-8"))
    assert [(i.position, i.section, i.title, i.url, i.kind) for i in items] == [
        (t["position"], t["section"], t["title"], t["url"], t["kind"]) for t in truth
    ]
    assert {i.date for i in items} == {"2025-12-24"}
    glm = items[0]
    assert "深度解读 & 洞察" in glm.text and "GLM-4.7" in glm.entities and "智谱AI" in glm.entities


def test_rerun_changes_nothing(tmp_path, seed_dir, tagger):
    shutil.copy(FIXTURES / "2025-12-25.md", seed_dir)
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        before = [(i.id, i.text, i.entities) for i in store.items()]
        gen = store.generation()
        report = ingest([seed_dir], store, tagger)
        assert report.count(UNCHANGED) == 2 and report.count(ADDED) == report.count(UPDATED) == 0
        assert store.generation() == gen
        assert [(i.id, i.text, i.entities) for i in store.items()] == before
        # touching a file without changing it is still a no-op for the items
        os.utime(seed_dir / "2025-12-25.md", None)
        assert ingest([seed_dir], store, tagger).count(UNCHANGED) == 2
        assert store.generation() == gen


def test_changed_file_replaces_its_items_and_keeps_unchanged_ids(tmp_path, seed_dir, tagger):
    f = seed_dir / "2025-12-25.md"
    shutil.copy(FIXTURES / f.name, f)
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        old = {i.title: i.id for i in store.items(date="2025-12-25")}
        f.write_text(f.read_text("utf-8").replace("速度更快", "速度快了三倍"), "utf-8")
        report = ingest([seed_dir], store, tagger)
        assert report.count(UPDATED) == 1 and report.count(UNCHANGED) == 1
        new = {i.title: i.id for i in store.items(date="2025-12-25")}
    assert new.keys() == old.keys()
    changed = [t for t in new if new[t] != old[t]]
    assert changed == ["谷歌推出 Gemini 3 Flash"]


def test_prune_removes_issues_whose_files_are_gone(tmp_path, seed_dir, tagger):
    shutil.copy(FIXTURES / "2025-12-25.md", seed_dir)
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        (seed_dir / "2025-12-25.md").unlink()
        ingest([seed_dir], store, tagger)
        assert len(store.issues()) == 2  # without --prune nothing is removed
        report = ingest([seed_dir], store, tagger, prune=True)
        assert report.count("pruned") == 1
        assert [i["date"] for i in store.issues()] == ["2025-12-24"]
        assert not store.items(date="2025-12-25")


BAD_CASES = {
    "binary.md": bytes(range(256)) * 40,
    "empty.md": b"",
    "blank.md": b"   \n\n  \n",
    "bad-utf8.md": b"# \xff\xfe\xfd title\n\n### \x81\x30\x81 item\n" + bytes([0xC3, 0x28]) * 50 + b"\x00",
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_is_reported_and_others_still_ingested(tmp_path, seed_dir, tagger, name):
    (seed_dir / name).write_bytes(BAD_CASES[name])
    with _store(tmp_path) as store:
        report = ingest([seed_dir], store, tagger)
        bad = next(f for f in report.files if f.path.endswith(name))
        assert bad.status == FAILED and bad.reason
        assert report.count(ADDED) == 1 and store.item_count() == 57
        assert not report.ok


def test_encodings_and_line_endings_decode_to_the_same_items(tmp_path, tagger):
    text = (FIXTURES / "2025-12-25.md").read_text("utf-8")
    variants = {
        "gbk.md": text.encode("gbk"),
        "gb18030.md": text.encode("gb18030"),
        "utf16.md": text.encode("utf-16"),
        "utf16le-nobom.md": text.encode("utf-16-le"),
        "bom.md": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "crlf.md": text.replace("\n", "\r\n").encode("utf-8"),
        "plain.md": text.encode("utf-8"),
    }
    d = tmp_path / "enc"
    d.mkdir()
    for name, data in variants.items():
        (d / name).write_bytes(data)
    with _store(tmp_path) as store:
        report = ingest([d], store, tagger)
        assert report.ok, report.summary()["failures"]
        by_source: dict[str, list] = {}
        for it in store.items():
            by_source.setdefault(Path(it.source).name, []).append((it.title, it.text, it.url, it.entities))
    reference = by_source["plain.md"]
    assert len(reference) == 5
    for name in variants:
        assert by_source[name] == reference, name


def test_broken_new_version_keeps_the_stored_one(tmp_path, seed_dir, tagger):
    f = seed_dir / SEED.name
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        before = [i.id for i in store.items()]
        f.write_bytes(b"\x00\x01binary now" * 100)
        report = ingest([seed_dir], store, tagger)
        assert report.count(FAILED) == 1
        assert [i.id for i in store.items()] == before


def test_index_pages_are_skipped_not_failed(tmp_path, seed_dir, tagger):
    (seed_dir / "_index.md").write_text("---\ntitle: 每日AI资讯\n---\n\n欢迎来到本站。\n", "utf-8")
    (seed_dir / "about.md").write_text("---\ntitle: 关于\n---\n\n# 关于我们\n\n我们每天整理AI新闻。\n", "utf-8")
    with _store(tmp_path) as store:
        report = ingest([seed_dir], store, tagger)
    assert report.ok and report.count(SKIPPED) == 2
    assert all("not a digest" in f.reason for f in report.files if f.status == SKIPPED)


def test_truncated_front_matter_is_parsed_or_reported(tmp_path, seed_dir, tagger):
    text = SEED.read_text("utf-8")
    cut = text.split("\n---\n", 1)[0]  # front matter never closed, body missing
    (seed_dir / "2025-12-26.md").write_text(cut, "utf-8")
    (seed_dir / "2025-12-27.md").write_text(text.replace("\n---\n", "\n", 1), "utf-8")
    with _store(tmp_path) as store:
        report = ingest([seed_dir], store, tagger)
        for name in ("2025-12-26.md", "2025-12-27.md"):
            r = next(f for f in report.files if f.path.endswith(name))
            assert r.status in (FAILED, SKIPPED, ADDED)
            assert r.status == ADDED or r.reason
        assert store.items(source=str(seed_dir / SEED.name))


def test_ten_megabyte_file_parses_or_is_reported(tmp_path, tagger):
    d = tmp_path / "big"
    d.mkdir()
    body = SEED.read_text("utf-8").split("## 更多动态")[0]
    block = body.split("\n## ", 1)[1]
    text = body + ("\n## " + block) * (10_000_000 // len(block.encode()))
    (d / "2025-12-28.md").write_text(text, "utf-8")
    with _store(tmp_path) as store:
        report = ingest([d], store, tagger)
    f = report.files[0]
    assert (f.status == ADDED and f.items > 1000) or (f.status == FAILED and f.reason)


def test_kill_and_rerun_leaves_no_half_issue(tmp_path):
    """SIGKILL `kb ingest` mid-run; every stored issue is whole, and a re-run completes."""
    src = tmp_path / "many"
    src.mkdir()
    base = (FIXTURES / "2025-12-25.md").read_text("utf-8")
    for n in range(300):
        day = f"2024-{1 + n // 28:02d}-{1 + n % 28:02d}"
        (src / f"{day}-{n}.md").write_text(base.replace("2025-12-25", day).replace("豆包", f"豆包{n}号"), "utf-8")
    db = tmp_path / "db"
    kb = [sys.executable, "-m", "kb.cli", "ingest", str(src), "--db", str(db), "--no-vectors", "--quiet"]
    proc = subprocess.Popen(kb, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some issues are in, then kill
        if (db / "kb.sqlite3").exists():
            try:
                with Store.open(db / "kb.sqlite3") as s:
                    if len(s.issues()) >= 20:
                        break
            except Exception:
                pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(db / "kb.sqlite3") as s:
        issues = s.issues()
        assert 0 < len(issues) <= 300
        assert all(i["items"] == 5 for i in issues)
    done = subprocess.run(kb, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    with Store.open(db / "kb.sqlite3") as s:
        issues = s.issues()
        assert len(issues) == 300 and all(i["items"] == 5 for i in issues)


def test_undated_pages_are_not_digests(tmp_path, seed_dir, tagger):
    """A README listing issues in tables splits into 'items' but has no issue date."""
    (seed_dir / "README.md").write_text(
        "# 每日日报 / Daily Digest\n\n每天一份 AI 日报。\n\n## 2026 年 3 月\n\n| 日期 | 日报 |\n|---|---|\n"
        "| 03-15 | [2026-03-15.md](2026-03/2026-03-15.md) |\n\n## 2026 年 2 月\n\n| 日期 | 日报 |\n|---|---|\n"
        "| 02-28 | [2026-02-28.md](2026-02/2026-02-28.md) |\n", "utf-8")
    with _store(tmp_path) as store:
        report = ingest([seed_dir], store, tagger)
        assert report.ok
        readme = next(f for f in report.files if f.path.endswith("README.md"))
        assert readme.status == SKIPPED and "date" in readme.reason
        assert len(store.issues()) == 1


def test_big5_file_is_decoded_as_big5(tmp_path, tagger):
    import opencc

    text = opencc.OpenCC("s2t").convert((FIXTURES / "2025-12-25.md").read_text("utf-8"))
    d = tmp_path / "big5"
    d.mkdir()
    (d / "2025-12-25.md").write_bytes(text.encode("big5", errors="replace"))
    with _store(tmp_path) as store:
        report = ingest([d], store, tagger)
        assert report.ok
        titles = [i.title for i in store.items()]
    assert "字節跳動發佈豆包大模型1.8" in titles or "字節跳動發布豆包大模型1.8" in titles, titles
    assert any("decoded as big5" in n for f in report.files for n in f.notes)


def test_a_stored_issue_whose_file_breaks_is_kept_and_said_so(tmp_path, seed_dir, tagger):
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        (seed_dir / SEED.name).write_bytes(b"")
        report = ingest([seed_dir], store, tagger)
        assert "stored version of this issue is kept" in report.failed[0].reason
        assert store.item_count() == 57


def test_retagging_drops_entities_no_item_has(tmp_path, seed_dir, tagger):
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        assert "Instacart" in {e["name"] for e in store.entities()}
        f = seed_dir / SEED.name
        f.write_text(f.read_text("utf-8").replace("Instacart", "某配送平台"), "utf-8")
        ingest([seed_dir], store, tagger)
        names = {r[0] for r in store.conn.execute("SELECT name FROM entities")}
    assert "Instacart" not in names


def test_a_stored_issue_that_is_now_no_digest_is_removed(tmp_path, seed_dir, tagger):
    f = seed_dir / "2025-12-25.md"
    shutil.copy(FIXTURES / f.name, f)
    with _store(tmp_path) as store:
        ingest([seed_dir], store, tagger)
        f.write_text("---\ntitle: 关于\n---\n\n# 关于我们\n\n我们每天整理AI新闻。\n", "utf-8")
        report = ingest([seed_dir], store, tagger)
        r = next(x for x in report.files if x.path.endswith(f.name))
        assert r.status == SKIPPED and "removed" in r.reason
        assert not store.items(date="2025-12-25") and store.item_count() == 57
