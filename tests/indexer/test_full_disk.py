"""A full disk during publish fails the run cleanly: a message, no half-written generation, the previous
index still live."""

import subprocess
import sys

from indexer.layout import IndexLayout
from indexer.pipeline import Indexer
from indexer.reader import open_index
from tests.conftest import ROOT
from tests.fakes import HashEmbedder


def test_publish_on_a_full_disk_fails_cleanly(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(30):
        (corpus / f"r{i}.txt").write_text(
            f"Báo cáo số {i}: tỉnh có {i + 10} điểm cầu hội nghị truyền hình. " * 20, encoding="utf-8"
        )
    index = tmp_path / "index"
    first = Indexer(HashEmbedder(), progress=False).run(corpus, index)
    (corpus / "r0.txt").write_text("Báo cáo số 0 đã sửa: tỉnh có 99 điểm cầu. " * 20, encoding="utf-8")
    child = subprocess.run(
        [sys.executable, "-m", "tests.indexer.full_disk_child", str(corpus), str(index), "65536"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 1, child.stdout + child.stderr
    assert "could not write the new index" in child.stdout and "previous index is still the live one" in child.stdout
    assert "Traceback" not in child.stderr
    layout = IndexLayout(index)
    assert layout.current_name() == first.generation
    assert layout.generations() == [first.generation]  # nothing half-written left behind
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
    assert open_index(index).manifest.counts["documents"] == 30
