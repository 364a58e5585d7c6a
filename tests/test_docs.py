"""The README's examples work as written."""

from __future__ import annotations

import re

from kb.entities import Tagger
from kb.gazetteer import Gazetteer

from .conftest import REPO


def test_readme_gazetteer_example_extends_the_tagger(tmp_path):
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"```yaml\n(.*?)```", readme, re.S).group(1)
    user = tmp_path / "gazetteer.yaml"
    user.write_text(block, "utf-8")
    tagger = Tagger(Gazetteer.load([user]))
    names = [e.name for e in tagger.tag("無問芯穹完成新一轮融资", "Infinigence AI 与硅基合作")]
    assert names == ["无问芯穹", "硅基流动"]


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join((REPO / "README.md").read_text("utf-8").splitlines()[:15])
    assert "make demo" in first_screen and "make test" in first_screen
    assert "make test" in (REPO / ".ci" / "run").read_text("utf-8")
