"""The torch-free e5-onnx runtime gives the vectors of the sentence-transformers pipeline it replaced (same ONNX
model, same batches), and answering a question never imports torch."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.e5.convert import ONNX_FILE, PROMPTS, converted_dir
from indexer.types import EmbedKind
from tests.conftest import CORPUS, ROOT

QUESTIONS = [
    "Quảng Nam có bao nhiêu điểm cầu hội nghị truyền hình?",
    "quang nam co bao nhieu diem cau",
    "Tỷ lệ cán bộ, công chức cấp xã sử dụng máy tính là bao nhiêu?",
    "How many servers does Kon Tum have?",
    "Kon Tum " * 400,  # over 512 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def reference(models_dir: Path):
    """The previous pipeline: sentence-transformers (torch pooling) around the same ONNX session's model."""
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    from tests.indexer.st_onnx_reference import OnnxTransformer

    module = OnnxTransformer(converted_dir(models_dir), ONNX_FILE, 384)
    return SentenceTransformer(modules=[module, Pooling(384, "mean"), Normalize()], device="cpu")


def passages() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    return [t[i : i + 900] for t in texts for i in range(0, min(len(t), 5400), 900)]


@pytest.mark.parametrize("kind", [EmbedKind.QUERY, EmbedKind.PASSAGE])
def test_same_vectors_as_the_sentence_transformers_pipeline(embedder, reference, kind: EmbedKind) -> None:
    texts = QUESTIONS if kind is EmbedKind.QUERY else passages()
    prompt = PROMPTS["query" if kind is EmbedKind.QUERY else "passage"]
    one_by_one = np.concatenate([embedder.embed([t], kind) for t in texts])
    expected = reference.encode([prompt + t for t in texts], batch_size=1, normalize_embeddings=True)
    cosine = np.sum(one_by_one * expected, axis=1)
    assert len(texts) >= 5 and cosine.min() >= 0.99999  # measured: 1 − 1e-7 (max abs difference ~1e-7)
    batch = texts[:6]  # a padded batch: dynamic int8 quantisation sees the same tensor in both
    together = embedder.runtime.embed([prompt + t for t in batch])
    expected = reference.encode([prompt + t for t in batch], batch_size=len(batch), normalize_embeddings=True)
    assert np.sum(together * expected, axis=1).min() >= 0.99999


def test_token_counts_match_the_transformers_tokenizer(embedder, reference) -> None:
    tokenizer = reference[0].tokenizer
    for text in QUESTIONS + passages()[:10]:
        assert embedder.count_tokens(text, EmbedKind.QUERY) == len(tokenizer("query: " + text)["input_ids"])


def test_answering_a_question_does_not_import_torch(seed_index: Path, models_dir: Path) -> None:
    script = (
        "import sys\n"
        "from service.engine import EngineHolder\n"
        "from service.settings import Settings\n"
        f"holder = EngineHolder(Settings(index_dir={str(seed_index)!r}, models_dir={str(models_dir)!r}))\n"
        "holder.load()\n"
        "answer, _ = holder.current().ask('Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?')\n"
        "print(answer.answer)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    answer, modules = out.stdout.strip().splitlines()[-2:]
    assert "67" in answer and modules == "[]"
