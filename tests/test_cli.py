"""The CLI in process (click's CliRunner): every command, JSON field names, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main

from .conftest import REPO

COMMANDS = ["ingest", "stats", "issues", "items", "entities", "search", "show", "eval", "reindex", "bench"]


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def run_out(*args: str, ok: bool = True) -> str:
    """stdout only: what a pipe reading JSON would get."""
    return run(*args, ok=ok).stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """A knowledge base with the seed issue, BM25 only (the vector path is tested elsewhere)."""
    d = tmp_path_factory.mktemp("cli")
    src = d / "digests"
    src.mkdir()
    (src / "2025-12-24.md").write_bytes((REPO / "data" / "2025-12-24.md").read_bytes())
    (src / "2025-12-25.md").write_bytes((Path(__file__).parent / "fixtures" / "2025-12-25.md").read_bytes())
    run("ingest", src, "--db", d / "kb", "--no-vectors", "--quiet")
    return d / "kb"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help(cmd):
    assert "Usage" in run(cmd, "--help").output


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text("utf-8")
    for cmd in COMMANDS:
        assert re.search(rf"kb {cmd}\b", readme), f"`kb {cmd}` is not documented in README.md"


def test_ingest_json_summary_and_exit_codes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "2025-12-24.md").write_bytes((REPO / "data" / "2025-12-24.md").read_bytes())
    out = json.loads(run_out("ingest", src, "--db", tmp_path / "kb", "--no-vectors", "--json"))
    assert out["added"] == 1 and out["items"] == 57 and out["failed"] == 0 and out["ok"]
    (src / "broken.md").write_bytes(b"\x00\x01\x02" * 50)
    res = run("ingest", src, "--db", tmp_path / "kb", "--no-vectors", "--json", ok=False)
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["unchanged"] == 1 and out["failed"] == 1
    assert out["failures"][0]["path"].endswith("broken.md") and out["failures"][0]["reason"]


def test_ingest_human_summary_line_names_failures(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "x.md").write_bytes(b"")
    res = run("ingest", src, "--db", tmp_path / "kb", "--no-vectors", ok=False)
    assert res.exit_code == 1
    assert "x.md" in res.output and "1 failed" in res.output


def test_kb_db_environment_variable(db, monkeypatch):
    monkeypatch.setenv("KB_DB", str(db))
    assert json.loads(run_out("stats", "--json"))["items"] == 62


def test_issues_items_entities_json_fields(db):
    issues = json.loads(run_out("issues", "--db", db, "--json"))
    assert [set(i) for i in issues] == [{"id", "date", "title", "source", "layout", "items"}] * 2
    assert [i["items"] for i in issues] == [57, 5]
    items = json.loads(run_out("items", "--db", db, "--date", "2025-12-24", "--json"))
    assert len(items) == 57
    assert set(items[0]) == {"id", "issue_id", "date", "source", "position", "section", "title", "text",
                             "url", "kind", "entities"}
    assert "GLM-4.7" in items[0]["entities"]
    src = issues[1]["source"]
    assert len(json.loads(run_out("items", "--db", db, "--source", src, "--json"))) == 5
    ents = json.loads(run_out("entities", "--db", db, "--type", "company", "--json"))
    assert set(ents[0]) == {"name", "type", "aliases", "items", "first_date", "last_date"}
    assert all(e["type"] == "company" for e in ents)
    names = {e["name"] for e in ents}
    assert {"智谱AI", "字节跳动", "OpenAI"} <= names


def test_stats_counts_per_layout_and_source(db):
    s = json.loads(run_out("stats", "--db", db, "--json"))
    assert s["issues"] == 2 and s["first_date"] == "2025-12-24" and s["last_date"] == "2025-12-25"
    assert sum(r["items"] for r in s["by_layout"]) == 62
    assert "items" in run("stats", "--db", db).output


def test_missing_db_is_a_clear_error(tmp_path):
    res = run("stats", "--db", tmp_path / "nothing", ok=False)
    assert res.exit_code == 2 and "kb ingest" in res.output


def test_search_json_fields_and_date_parsing(db):
    out = json.loads(run_out("search", "昨天 字节跳动", "--db", db, "--mode", "bm25", "--json"))
    assert set(out) >= {"query", "mode", "filters", "took_ms", "results"}
    assert out["filters"]["since"] == out["filters"]["until"] == "2025-12-24"
    assert out["results"] and all(r["date"] == "2025-12-24" for r in out["results"])
    hit = out["results"][0]
    assert set(hit) >= {"id", "issue_id", "date", "issue_title", "source", "section", "position", "title",
                        "text", "url", "entities", "score", "scores"}
    assert set(hit["scores"]) == {"bm25", "dense"}
    assert "字节跳动" in hit["entities"]


def test_search_human_output_marks_terms(db):
    out = run("search", "字節跳動", "--db", db, "--mode", "bm25").output
    assert "字节跳动" in out and "【" in out


def test_show_gives_context(db):
    items = json.loads(run_out("items", "--db", db, "--date", "2025-12-24", "--json"))
    second = items[1]["id"]
    out = json.loads(run_out("show", second, "--db", db, "--json"))
    assert out["previous"]["id"] == items[0]["id"] and out["next"]["id"] == items[2]["id"]
    assert out["issue_title"] and out["section"] == items[1]["section"]
    assert "previous:" in run("show", second, "--db", db).output
    assert run("show", "nope", "--db", db, ok=False).exit_code == 2


def test_batch_answers_one_json_line_per_query(db, tmp_path):
    f = tmp_path / "q.txt"
    f.write_text('智谱\n{"query": "OpenAI", "since": "2025-12-25", "k": 3}\n\nGLM-4.7\n', "utf-8")
    lines = run("search", "--batch", f, "--db", db, "--mode", "bm25").output.strip().splitlines()
    assert len(lines) == 3
    second = json.loads(lines[1])
    assert second["query"] == "OpenAI" and len(second["results"]) <= 3
    assert all(r["date"] >= "2025-12-25" for r in second["results"])


@pytest.mark.parametrize("cmd", ["ingest", "stats", "issues", "items", "entities", "search", "show"])
def test_common_options(cmd):
    help_text = run(cmd, "--help").output
    for opt in ("--db", "--json", "--quiet"):
        assert opt in help_text, f"kb {cmd} lacks {opt}"


def test_search_quiet_prints_hits_only(db):
    loud = run("search", "字节跳动", "--db", db, "--mode", "bm25").stdout
    quiet = run("search", "字节跳动", "--db", db, "--mode", "bm25", "--quiet").stdout
    assert "results for" in loud and "results for" not in quiet
    assert "字节跳动" in quiet


def test_bad_filters_are_clear_errors(db):
    res = run("search", "智谱", "--db", db, "--since", "2025/12/01", "--mode", "bm25", ok=False)
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
    assert run("search", "智谱", "--db", db, "-k", "0", ok=False).exit_code == 2


def test_batch_reports_a_bad_line_and_goes_on(db, tmp_path):
    f = tmp_path / "q.txt"
    f.write_text('智谱\n{"query": 3}\n{"query": "OpenAI", "since": "yesterday"}\n{not json\n字节跳动\n', "utf-8")
    lines = [json.loads(x) for x in run("search", "--batch", f, "--db", db, "--mode", "bm25").stdout.splitlines()]
    assert [("error" in x) for x in lines] == [False, True, True, True, False]
    assert lines[1]["line"] == 2 and lines[4]["query"] == "字节跳动"


def test_a_broken_user_gazetteer_is_a_one_line_error(db, tmp_path, monkeypatch):
    bad = tmp_path / "gaz.yaml"
    bad.write_text("entities:\n  - name: X\n    type: planet\n", "utf-8")
    monkeypatch.setenv("KB_GAZETTEER", str(bad))
    res = run("search", "智谱", "--db", db, "--mode", "bm25", ok=False)
    assert res.exit_code == 2 and res.output.startswith("error:")
