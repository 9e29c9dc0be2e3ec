"""The engine holder picks up a newly published index without a restart and keeps serving on failure."""

from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from service.engine import EngineHolder
from service.errors import IndexNotReady
from service.settings import Settings
from tests.fakes import HashEmbedder


def test_new_generation_is_picked_up_and_a_broken_one_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    embedder = HashEmbedder()
    holder = EngineHolder(Settings(index_dir=index_dir, reload_check_seconds=0), embedder=embedder)
    holder.load()
    with pytest.raises(IndexNotReady, match="hoidap index"):
        holder.current()
    first = Indexer(embedder, progress=False).run(corpus_copy, index_dir)
    engine = holder.current()
    assert engine.generation == first.generation
    (corpus_copy / "extra.txt").write_text("Tỉnh Khánh Hòa có 12 điểm cầu hội nghị truyền hình mới.", encoding="utf-8")
    second = Indexer(embedder, progress=False).run(corpus_copy, index_dir)
    assert holder.current().generation == second.generation
    assert engine.generation == first.generation  # a request holding the old engine finishes on it
    # a corrupted new generation is refused; the one serving stays
    (corpus_copy / "more.txt").write_text("Báo cáo bổ sung về hạ tầng công nghệ thông tin tỉnh.", encoding="utf-8")
    third = Indexer(embedder, progress=False).run(corpus_copy, index_dir)
    (index_dir / third.generation / "vectors.npy").write_bytes(b"broken")
    assert holder.current().generation == second.generation
    assert holder.error and "truncated" in holder.error
