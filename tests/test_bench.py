"""`kb bench` runs end to end on a tiny corpus and reports every field (values not judged)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb.cli import main

from .conftest import REPO

FIELDS = {"items", "ingest_items_per_s", "ingest_items_per_s_no_vectors", "index_mb", "rss_mb",
          "cold_start_s", "p50_ms", "p95_ms"}


@pytest.mark.slow
def test_bench_reports_its_fields(tmp_path):
    res = CliRunner().invoke(main, ["bench", "--items", "100", "--corpus", str(REPO / "data"),
                                    "--queries", "12", "--workdir", str(tmp_path / "w"), "--json", "--quiet"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert FIELDS <= set(out)
    assert out["items"] == 114  # two date-shifted copies of the 57-item seed
    assert out["embedded_items"] <= 57 + 5  # copies share embeddings (only date text differs)
    for mode in ("hybrid", "bm25", "dense"):
        assert out["p50_ms"][mode] > 0 and out["p95_ms"][mode] >= out["p50_ms"][mode]
