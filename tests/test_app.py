"""The Streamlit page, driven in process with AppTest over a real knowledge base."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from kb.cli import main

from .conftest import REPO


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("app")
    res = CliRunner().invoke(main, ["ingest", str(REPO / "data"), "--db", str(d), "--no-vectors", "--quiet"])
    assert res.exit_code == 0, res.output
    return d


def test_search_shows_hits_with_escaped_text(kb_dir, monkeypatch):
    monkeypatch.setenv("KB_DB", str(kb_dir))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    at.sidebar.radio[0].set_value("bm25")
    at.text_input[0].input("字節跳動").run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "字节跳动" in shown and "230亿美元" in shown
    assert "<" not in shown.replace("\\<", "")  # digest HTML never reaches the page raw


def test_missing_knowledge_base_is_an_error_message(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DB", str(tmp_path / "none"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    assert at.error and "kb ingest" in at.error[0].value
