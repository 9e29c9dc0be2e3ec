"""kill -9 of the indexer at any moment leaves the previous (or the new, complete) index loadable."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.layout import IndexLayout
from indexer.pipeline import Indexer
from indexer.reader import open_index
from tests.conftest import ROOT
from tests.fakes import HashEmbedder

pytestmark = pytest.mark.slow


def _corpus(path: Path, n: int, version: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (path / f"bao-cao-{i:03d}.txt").write_text(
            f"Báo cáo số {i} phiên bản {version}.\n\nTỉnh đã đầu tư {i * 3 + version} điểm cầu hội nghị truyền "
            f"hình và {i + 100} máy vi tính cho các cơ quan nhà nước trong năm {2010 + i % 10}.",
            encoding="utf-8",
        )
    return path


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path, str]:
    corpus = _corpus(tmp_path / "corpus", 40, version=1)
    index = tmp_path / "index"
    summary = Indexer(HashEmbedder(), progress=False).run(corpus, index)
    _corpus(corpus, 40, version=2)  # every file changes: the next run re-embeds and republishes
    return corpus, index, summary.generation


def _child(corpus: Path, index: Path, stop_at: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.indexer.crash_child", str(corpus), str(index), stop_at],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _check_loadable(index: Path, old: str) -> str:
    loaded = open_index(index, "fake:hash-64")
    assert loaded.manifest.counts["documents"] == 40
    assert loaded.generation in (old, "gen-000002")
    return loaded.generation


@pytest.mark.parametrize(
    ("point", "expected"),
    [("before-rename", "old"), ("after-rename", "old"), ("before-current", "old"), ("after-current", "new")],
)
def test_kill_at_each_publish_step(published, point: str, expected: str) -> None:
    corpus, index, old = published
    child = _child(corpus, index, point)
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("AT "):
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    generation = _check_loadable(index, old)
    assert generation == (old if expected == "old" else "gen-000002")
    # the next run cleans up what the killed one left and publishes
    summary = Indexer(HashEmbedder(), progress=False).run(corpus, index)
    assert not any(p.name.startswith(".tmp-") for p in index.iterdir())
    assert open_index(index).generation == summary.generation


def test_kill_at_random_moments(published) -> None:
    """20 kills at random moments of runs that each have new work to publish: the index always loads."""
    corpus, index, _old = published
    rng = random.Random(7)
    kills = published_runs = 0
    for attempt in range(20):
        (corpus / "bao-cao-000.txt").write_text(
            f"Báo cáo bổ sung lần {attempt}: {attempt} điểm cầu mới.", encoding="utf-8"
        )
        before = IndexLayout(index).current_name()
        child = _child(corpus, index, "never")
        assert child.stdout is not None
        child.stdout.readline()  # START
        time.sleep(rng.uniform(0.0, 2.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += 1
        loaded = open_index(index, "fake:hash-64")  # complete and verified, whatever the moment was
        assert loaded.manifest.counts["documents"] == 40
        published_runs += loaded.generation != before
    assert kills == 20
