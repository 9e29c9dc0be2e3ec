"""Indexes of 100k and 1M passages on this machine: build time, size on disk, RSS of `hoidap serve`,
`/v1/ask` p50/p99 with one client and with 16, and recall@10 of the dense index against exact search.

    .venv/bin/python -m benchmarks.scale_index --chunks 100000 [--work /tmp/hoidap-scale] [--seconds 30]
    .venv/bin/python -m benchmarks.scale_index --chunks 1000000 --measure-only   # an index built before

No machine here embeds a million passages in reasonable time (~5,000 tokens/s), so the index is made from
real embedded text, repeated: the passages, answer units and vectors of the evaluation indexes that
`benchmarks.eval_sets` builds (ALQAC, ViMedAQA, ViNewsQA-dev and the seed reports: 2,879 passages and 16,327
answer units of real Vietnamese text embedded by the default model) are copied until the index holds N
passages.  Copy k > 0 of a document has the same text under the source `copy-k/<source>`; its passage and unit
vectors are the originals plus Gaussian noise N(0, σ²/384) per coordinate (σ = 0.5), renormalised (cosine
to the original ≈ 0.89, about the spread of a passage's real neighbours).  BM25 therefore sees each text
N/2,879 times (its posting lists are as long as a real index's of that size would be for common words, longer
for rare ones).  The generation is written by `indexer.generation.write_generation`, the indexer's own writer,
and published the same way.

Questions: the evaluation sets' own questions (their answers are in the copies) and the seed questions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import numpy as np

from benchmarks.query_latency import percentile
from benchmarks.serving import hoidap_serve
from indexer.dense import UNIT_VECTOR_DTYPE, build_faiss, choose_dense
from indexer.generation import GenerationContent, UnitRecord, write_generation
from indexer.layout import IndexLayout
from indexer.reader import open_index
from indexer.types import Chunk, Document

EVAL = Path("/tmp/hoidap-eval")
SETS = ("alqac", "vimedaqa", "vinewsqa", "seed")
SEED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed_questions.jsonl"
NEWS = SEED.parent / "external" / "news20k.jsonl.gz"
SIGMA = 0.5


class Pool:
    """The real passages, units and vectors that the synthetic index repeats."""

    def __init__(self, sets: tuple[str, ...]) -> None:
        self.documents: list[Document] = []
        self.chunks: list[list[tuple[Chunk, str, int]]] = []  # per document: chunk, embed hash, pool row
        self.units: list[list[tuple[int, int, str, int]]] = []  # per document: start, end, hash, pool unit row
        vectors, unit_vectors = [], []
        self.embedder: dict[str, object] = {}
        self.chunker: dict[str, object] = {}
        for name in sets:
            root = EVAL / name / "index"
            if IndexLayout(root).current_dir() is None:
                raise SystemExit(f"no index at {root}: build it with `python -m benchmarks.eval_sets {name}` first")
            index = open_index(root, verify=False)
            self.embedder, self.chunker = index.manifest.embedder, index.manifest.chunker
            base, unit_base = sum(len(v) for v in vectors), sum(len(v) for v in unit_vectors)
            by_doc: dict[str, int] = {}
            for doc in index.store.documents():
                by_doc[doc.source] = len(self.documents)
                self.documents.append(replace(doc, source=f"{name}/{doc.source}"))
                self.chunks.append([])
                self.units.append([])
            for stored in index.store.all_chunks():
                chunk = replace(stored.chunk, source=f"{name}/{stored.chunk.source}")
                self.chunks[by_doc[stored.chunk.source]].append((chunk, stored.embed_hash, base + stored.row))
            for unit in index.store.all_units():
                entry = (unit.start, unit.end, unit.embed_hash, unit_base + unit.row)
                self.units[by_doc[unit.source]].append(entry)
            vectors.append(np.asarray(index.vectors, dtype=np.float32))
            unit_vectors.append(np.asarray(index.unit_vectors, dtype=np.float32))
            index.close()
        self.vectors = np.concatenate(vectors)
        self.unit_vectors = np.concatenate(unit_vectors)


def perturbed(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noisy = vectors + rng.standard_normal(vectors.shape, dtype=np.float32) * (SIGMA / np.sqrt(vectors.shape[1]))
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def build(pool: Pool, target: int, root: Path) -> dict[str, float]:
    """Copies of the pool until `target` passages; written and published at `root`. Returns timings."""
    rng = np.random.default_rng(0)
    documents: list[Document] = []
    chunks: list[tuple[Chunk, str]] = []
    units: list[UnitRecord] = []
    chunk_src: list[int] = []
    unit_src: list[int] = []
    copy = 0
    while len(chunks) < target:
        for doc, doc_chunks, doc_units in zip(pool.documents, pool.chunks, pool.units, strict=True):
            if len(chunks) >= target:
                break
            source = doc.source if copy == 0 else f"copy-{copy}/{doc.source}"
            documents.append(replace(doc, source=source, sha256=f"{doc.sha256}-{copy}"))
            for chunk, embed_hash, row in doc_chunks:
                chunks.append((replace(chunk, source=source, chunk_id=f"{chunk.chunk_id}-{copy}"), embed_hash))
                chunk_src.append(row)
            for start, end, embed_hash, row in doc_units:
                units.append((source, start, end, embed_hash))
                unit_src.append(row)
        copy += 1
    root.mkdir(parents=True, exist_ok=True)
    layout = IndexLayout(root)
    name = layout.next_name()
    staging = layout.staging_dir(name)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    vectors = np.empty((len(chunks), pool.vectors.shape[1]), dtype=np.float32)
    unit_vectors = np.lib.format.open_memmap(
        staging.parent / f".units-{os.getpid()}.npy", "w+", UNIT_VECTOR_DTYPE, (len(units), pool.vectors.shape[1])
    )
    for out, source_rows, originals in (
        (vectors, chunk_src, pool.vectors),
        (unit_vectors, unit_src, pool.unit_vectors),
    ):
        first_copy = min(len(source_rows), len(originals))  # copy 0 keeps the real vectors, the others are perturbed
        out[:first_copy] = originals[np.asarray(source_rows[:first_copy])]
        for at in range(first_copy, len(source_rows), 200_000):
            rows = np.asarray(source_rows[at : at + 200_000])
            out[at : at + len(rows)] = perturbed(originals[rows], rng)
    timings["vectors (synthetic)"] = time.perf_counter() - start
    marks = {"start": time.perf_counter()}
    last = ["start"]

    def part(name: str) -> None:
        marks[name] = time.perf_counter()
        print(f"  writing {name} …", flush=True)
        last.append(name)

    content = GenerationContent(documents, chunks, units, vectors, unit_vectors)
    write_generation(staging, name, content, pool.embedder, pool.chunker, {}, on_part=part)
    marks["end"] = time.perf_counter()
    for a, b in zip(last, [*last[1:], "end"], strict=True):
        if a != "start":
            timings[a] = marks[b] - marks[a]
    start = time.perf_counter()
    layout.publish(staging, name)
    timings["publish (fsync, rename)"] = time.perf_counter() - start
    (staging.parent / f".units-{os.getpid()}.npy").unlink()
    print(f"built {len(chunks):,} passages, {len(units):,} units, {len(documents):,} documents ({copy} copies)")
    return timings


def questions(limit: int) -> list[str]:
    out = [json.loads(line)["question"] for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name in SETS[:3]:
        path = EVAL / name / "questions.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out += [q.get("question") or q.get("text") or "" for q in lines[: limit // 3]]
    return [q for q in out if q]


def rss_mib(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmd and port.encode() in cmd:
                return int(proc.name)
    raise RuntimeError("server process not found")


def latency(base: str, asked: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    timings: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(seed: int) -> None:
        order = random.Random(seed)
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop:
                question = order.choice(asked)
                start = time.perf_counter()
                response = http.post("/v1/ask", json={"question": question})
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    timings.append(elapsed)
                    errors[0] += response.status_code != 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors[0]


def recall_at_10(root: Path, asked: list[str]) -> tuple[str, float, float, float]:
    """Recall@10 of the generation's dense index against exact search, over the questions' vectors."""
    import faiss

    from indexer.embedders import make_embedder
    from indexer.types import EmbedKind
    from service.settings import Settings

    settings = Settings()
    embedder = make_embedder(settings.embedder, settings.embed_threads, settings.models_dir)
    index = open_index(root, verify=False)
    queries = embedder.embed(asked[:200], EmbedKind.QUERY).astype(np.float32)
    faiss.omp_set_num_threads(1)
    start = time.perf_counter()
    _, approximate = index.dense.search(queries, 10)
    approximate_ms = (time.perf_counter() - start) * 1000 / len(queries)
    exact_index = build_faiss(np.asarray(index.vectors), choose_dense(0))  # flat
    start = time.perf_counter()
    _, exact = exact_index.search(queries, 10)
    exact_ms = (time.perf_counter() - start) * 1000 / len(queries)
    found = [len(set(a.tolist()) & set(e.tolist())) / 10 for a, e in zip(approximate, exact, strict=True)]
    kind = str(index.manifest.dense.get("kind", "flat"))
    return kind, float(np.mean(found)), approximate_ms, exact_ms


def add_documents(root: Path, work: Path, count: int) -> float:
    """`hoidap index` of `count` news20k articles into their own collection of the index: the time to add
    them end to end (the other collection is carried over, nothing of it re-embedded)."""
    import gzip
    import subprocess
    import sys

    folder = work / f"news-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(NEWS, "rt", encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i >= count:
                break
            article = json.loads(line)
            (folder / f"{article['id']}.txt").write_text(f"{article['title']}\n\n{article['text']}", encoding="utf-8")
    start = time.perf_counter()
    command = [sys.executable, "-m", "service", "index", str(folder), "--index-dir", str(root), "--collection", "news"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/hoidap-scale"))
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--measure-only", action="store_true", help="measure the index built before")
    parser.add_argument("--add-docs", type=int, default=0, help="then time adding this many news20k articles")
    args = parser.parse_args()
    root = args.work / f"index-{args.chunks}"
    if not args.measure_only:
        pool = Pool(SETS)
        print(
            f"pool: {len(pool.vectors):,} passages, {len(pool.unit_vectors):,} units, {len(pool.documents):,} documents"
        )
        start = time.perf_counter()
        timings = build(pool, args.chunks, root)
        print(f"build {time.perf_counter() - start:.0f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        del pool
    current = IndexLayout(root).current_dir()
    assert current is not None
    sizes = {p.name: p.stat().st_size for p in current.rglob("*") if p.is_file()}
    print(
        f"on disk: {sum(sizes.values()) / 2**30:.2f} GiB ("
        + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:6])
        + ")"
    )
    asked = questions(300)
    kind, recall, approximate_ms, exact_ms = recall_at_10(root, asked)
    print(f"dense {kind}: recall@10 {recall:.3f} against exact; {approximate_ms:.2f} ms a query (exact {exact_ms:.2f})")
    env = {"HOIDAP_RATE_LIMIT_PER_MINUTE": "0"}
    start = time.perf_counter()
    with hoidap_serve(root, ready_seconds=900, **env) as base:
        print(f"serve ready in {time.perf_counter() - start:.1f} s")
        pid = server_pid(base)
        print("RSS after load (MiB):", {k: round(v) for k, v in rss_mib(pid).items()})
        latency(base, asked[:20], 1, 5)  # warm-up
        for clients in (1, 16):
            timings, errors = latency(base, asked, clients, args.seconds)
            print(
                f"/v1/ask, {clients:>2} client(s), {args.seconds:.0f} s: n={len(timings)} errors={errors} "
                f"p50 {statistics.median(timings):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms, "
                f"{len(timings) / args.seconds:.1f} requests/s"
            )
        print("RSS after the runs (MiB):", {k: round(v) for k, v in rss_mib(pid).items()})
    if args.add_docs:
        seconds = add_documents(root, args.work, args.add_docs)
        print(f"adding {args.add_docs} news articles (hoidap index --collection news): {seconds:.0f} s")


if __name__ == "__main__":
    main()
