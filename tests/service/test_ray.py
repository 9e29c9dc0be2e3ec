"""`hoidap index --ray` and `hoidap serve --ray` on a real two-node Ray cluster (a head and a second node,
separate processes) inside a loopback-only namespace (tests/ray_cluster.py); bounded at 6 minutes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.pipeline import Indexer
from indexer.reader import open_generation, open_index
from indexer.vectors import UnitVectors
from tests.conftest import CORPUS
from tests.ray_cluster import (
    COLLECTION,
    COLLECTION_REPORT,
    FIRST_GENERATION,
    NEW_REPORT,
    namespace_problem,
    run_in_loopback_namespace,
)

VECTOR_TOLERANCE = 1e-5  # the same batches on the same runtime: equal up to float rounding


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    if problem := namespace_problem():
        pytest.skip(f"no loopback-only namespace for the Ray cluster: {problem}")
    out = tmp_path_factory.mktemp("ray")
    shutil.copytree(CORPUS, out / "corpus")
    done = run_in_loopback_namespace(out, out / "corpus", timeout=360)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_cluster_has_two_nodes_on_the_loopback_and_stops(cluster_run) -> None:
    _, results = cluster_run
    assert results["nodes"] == ["127.0.0.1", "127.0.0.1"]
    assert results["ray_stop_rc"] == 0


@pytest.mark.slow
def test_index_ray_is_the_local_index(cluster_run, seed_index: Path) -> None:
    out, results = cluster_run
    assert results["first_index"]["rc"] == 0, results["first_index"]["stderr"]
    ray_index = open_generation(out / FIRST_GENERATION)
    local = open_generation(seed_index / (seed_index / "CURRENT").read_text().strip())
    mine = {c.chunk.chunk_id: (c.chunk.text, ray_index.vectors[c.row]) for c in ray_index.store.all_chunks()}
    theirs = {c.chunk.chunk_id: (c.chunk.text, local.vectors[c.row]) for c in local.store.all_chunks()}
    assert mine.keys() == theirs.keys() and len(mine) > 20
    for chunk_id, (text, vector) in mine.items():
        assert text == theirs[chunk_id][0]
        assert np.abs(vector - theirs[chunk_id][1]).max() <= VECTOR_TOLERANCE, chunk_id


@pytest.mark.slow
def test_index_ray_is_incremental(cluster_run) -> None:
    out, results = cluster_run
    summary = json.loads(results["second_index"]["summary"])
    assert summary["added"] == [NEW_REPORT[0]] and len(summary["unchanged"]) == 5
    new_chunks = [c for c in open_generation(out / "index" / "gen-000002").store.all_chunks()]
    assert summary["embedded_chunks"] == sum(c.chunk.source == NEW_REPORT[0] for c in new_chunks) >= 1


@pytest.mark.slow
def test_serve_ray_answers_and_picks_up_the_new_generation(cluster_run) -> None:
    _, results = cluster_run
    assert results["ready"] and results["page"]["status"] == 200 and "html" in results["page"]["type"]
    first = results["first_answer"]
    assert first["status"] == 200 and "19" in first["body"]["answer"]
    assert first["body"]["citations"][0]["source"] == "quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"
    new = results["new_answer"]
    assert new["body"]["query"]["index_generation"] == "gen-000002" and "23" in new["body"]["answer"]
    assert results["serve_rc"] == 0, "hoidap serve --ray did not exit cleanly on SIGTERM"


@pytest.mark.slow
def test_index_ray_fills_a_named_collection_and_keeps_the_default_one(cluster_run) -> None:
    out, results = cluster_run
    assert results["collection_index"]["rc"] == 0, results["collection_index"]["stderr"]
    summary = json.loads(results["collection_index"]["summary"])
    source = f"{COLLECTION}/{COLLECTION_REPORT[0]}"
    assert summary["added"] == [source] and summary["unchanged"] == [] and summary["removed"] == []
    before = {c.chunk.chunk_id for c in open_generation(out / "index" / "gen-000002").store.all_chunks()}
    after = open_generation(out / "index" / "gen-000003")
    named = {c.chunk.chunk_id for c in after.store.all_chunks() if c.chunk.source == source}
    assert {c.chunk.chunk_id for c in after.store.all_chunks()} == before | named
    assert summary["embedded_chunks"] == len(named) >= 1
    assert COLLECTION in after.manifest.collections


@pytest.mark.slow
def test_index_ray_pools_late_unit_vectors_as_the_local_indexer_does(cluster_run, embedder, tmp_path: Path) -> None:
    out, results = cluster_run
    assert results["late_index"]["rc"] == 0, results["late_index"]["stderr"]
    ray_index = open_index(out / "index-late", embedder.id)
    Indexer(embedder, progress=False, unit_vectors=UnitVectors.LATE).run(out / "corpus-as-first-indexed", tmp_path)
    local = open_index(tmp_path, embedder.id)
    assert ray_index.manifest.unit_vectors == local.manifest.unit_vectors == "late"
    mine = {(u.source, u.start, u.end): ray_index.unit_vectors[u.row] for u in ray_index.store.all_units()}
    theirs = {(u.source, u.start, u.end): local.unit_vectors[u.row] for u in local.store.all_units()}
    assert mine.keys() == theirs.keys() and len(mine) > 50
    for key, vector in mine.items():  # stored in half precision
        assert np.abs(np.asarray(vector, dtype=np.float32) - np.asarray(theirs[key], dtype=np.float32)).max() <= 1e-3
