"""Ray against one machine at equal cores: indexing overhead and serving throughput (a benchmark).

    flock /tmp/hoidap-bench.lock .venv/bin/python -m benchmarks.ray_overhead --docs 80 --rounds 3

(a) Indexing: a news20k slice (written as .txt and .md files) plus corpus/, `hoidap index --rebuild` locally,
    with `--ray local` (a private Ray instance: its start-up is in the time) and with `--ray 127.0.0.1:PORT`
    (a one-node cluster started once, `ray start --head --num-cpus=CORES`: its start-up is timed apart),
    interleaved round by round; medians, and each Ray time over the local one.  Each mode also indexes corpus/
    alone: the difference is its time a chunk once running, the rest its fixed cost per run.
(b) Serving: over the index of (a), `hoidap serve --workers 2` against `hoidap serve --ray local --replicas 2`,
    the same client load (benchmarks/load_test.py's ask + search mix), interleaved; requests/s, p50, p99.

Everything runs inside network and PID namespaces with only the loopback (`unshare --net --pid --fork
--mount-proc`, as tests/ray_cluster.py does; root): Ray advertises the machine's address otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.load_test import percentile, run_load
from benchmarks.serving import ROOT, hoidap_serve

NEWS = ROOT.parent / "shared" / "eval" / "external" / "news20k.jsonl.gz"
UNSHARE = ("unshare", "--net", "--pid", "--fork", "--mount-proc")
HEAD_PORT = 6379  # the namespace's own loopback
CORES = 2  # this machine's: the local indexer's embedder threads, the Ray node's CPUs, the serving processes


def write_corpus(target: Path, docs: int) -> None:
    """corpus/ and `docs` news20k articles, alternately as .txt and as .md."""
    shutil.copytree(ROOT / "corpus", target)
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= docs:
                break
            row = json.loads(line)
            if i % 2:
                (target / f"{row['id']}.md").write_text(f"# {row['title']}\n\n{row['text']}\n", encoding="utf-8")
            else:
                (target / f"{row['id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")


def timed_index(corpus: Path, index: Path, env: dict[str, str], ray: str | None) -> tuple[float, dict]:
    command = [sys.executable, "-m", "service", "index", str(corpus), "--index-dir", str(index), "--rebuild"]
    command += ["--json"] + (["--ray", ray] if ray else [])
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed: {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)


def chunk_tokens(index: Path) -> tuple[int, int]:
    """The live generation's chunks and the e5 tokens of their embedding texts."""
    from indexer.embedders import make_embedder
    from indexer.reader import open_index

    embedder = make_embedder(models_dir=ROOT / "data" / "models")
    embedder.load()
    chunks = [c.chunk for c in open_index(index).store.all_chunks()]
    return len(chunks), sum(embedder.count_tokens(c.embed_text) for c in chunks)  # type: ignore[attr-defined]


MODES = {"local": None, "ray local": "local", "ray cluster": f"127.0.0.1:{HEAD_PORT}"}


def indexing(work: Path, env: dict[str, str], docs: int, rounds: int) -> None:
    """Each mode on two corpora, corpus/ alone and with `docs` articles, round by round: the difference gives
    each mode's time a chunk once running, and what is left its fixed cost (processes, model loads)."""
    corpora = {"small": work / "corpus-small", "large": work / "corpus"}
    write_corpus(corpora["small"], 0)
    write_corpus(corpora["large"], docs)
    ray = str(Path(sys.executable).parent / "ray")
    temp = Path(tempfile.mkdtemp(prefix="hb", dir="/tmp"))  # Ray's socket paths must fit in 107 bytes
    head = [ray, "start", "--head", f"--port={HEAD_PORT}", "--include-dashboard=false", f"--temp-dir={temp}"]
    head += ["--node-ip-address=127.0.0.1", f"--num-cpus={CORES}", "--disable-usage-stats"]
    times: dict[tuple[str, str], list[float]] = {(m, size): [] for m in MODES for size in corpora}
    try:
        start = time.perf_counter()
        subprocess.run(head, env=env, check=True, capture_output=True, timeout=120)
        cluster_start = time.perf_counter() - start
        for n in range(rounds):
            for size, corpus in corpora.items():
                for mode, address in MODES.items():
                    index = work / f"index-{mode.replace(' ', '-')}-{size}"
                    seconds, summary = timed_index(corpus, index, env, address)
                    times[mode, size].append(seconds)
                    print(
                        f"round {n + 1} {size:<5} {mode:<12} {seconds:6.1f} s  ({summary['chunks']} chunks)", flush=True
                    )
    finally:
        subprocess.run([ray, "stop"], env=env, capture_output=True, timeout=120, check=False)
        shutil.rmtree(temp, ignore_errors=True)
    counted = {size: chunk_tokens(work / f"index-local-{size}") for size in corpora}
    (small_chunks, small_tokens), (chunks, tokens) = counted["small"], counted["large"]
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"\n(a) indexing, medians of {rounds} interleaved rounds, {CORES} cores each way")
    print(f"  large: {docs} news20k articles + corpus/, {chunks} chunks, {tokens:,} chunk tokens")
    print(f"  small: corpus/ alone, {small_chunks} chunks, {small_tokens:,} chunk tokens")
    print(
        f"  {'mode':<14}{'large s':>9}{'vs local':>10}{'small s':>9}{'s/chunk':>9}{'fixed s':>9}{'tokens/s/core':>15}"
    )
    marginal_local = (median["local", "large"] - median["local", "small"]) / (chunks - small_chunks)
    for mode in MODES:
        large, small = median[mode, "large"], median[mode, "small"]
        marginal = (large - small) / (chunks - small_chunks)
        fixed = small - marginal * small_chunks
        rate = (tokens - small_tokens) / (large - small) / CORES
        ratio = f"{large / median['local', 'large'] - 1:+.0%}"
        print(f"  {mode:<14}{large:>9.1f}{ratio:>10}{small:>9.1f}{marginal:>9.3f}{fixed:>9.1f}{rate:>15,.0f}")
    for mode in ("ray local", "ray cluster"):
        marginal = (median[mode, "large"] - median[mode, "small"]) / (chunks - small_chunks)
        print(f"  --{mode}: a chunk once running costs {marginal / marginal_local - 1:+.0%} against the local indexer")
    print(f"  one-node cluster start {cluster_start:.1f} s (`ray start --head`, once, not in the ray cluster times)")
    end_to_end = tokens / median["local", "large"] / CORES
    print(
        f"  {tokens / chunks:.0f} tokens a chunk; local, large, end to end: {end_to_end:,.0f} chunk tokens/s per core"
    )


def serving(index: Path, env: dict[str, str], seconds: float, clients: int, rounds: int) -> None:
    setups = {
        "serve --workers 2": ["--workers", "2"],
        "serve --ray local --replicas 2": ["--ray", "local", "--replicas", "2"],
    }
    results: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in setups}
    variables = {k: v for k, v in env.items() if k.startswith("HOIDAP_")}
    for n in range(rounds):
        for name, args in setups.items():
            with hoidap_serve(index, ready_seconds=300, args=args, stop_seconds=120, **variables) as base:
                run_load(base, 3, clients)  # warm-up: every process has answered before the clock starts
                start = time.monotonic()
                load = run_load(base, seconds, clients)
                elapsed = time.monotonic() - start
            values = load.latencies["ask"] + load.latencies["search"]
            failed = sum(v for k, v in load.statuses.items() if k != 200) + len(load.errors)
            row = (len(values) / elapsed, statistics.median(values), percentile(values, 0.99), failed)
            results[name].append(row)
            rate, p50, p99, failures = row
            line = f"{rate:6.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  failed {failures}"
            print(f"round {n + 1} {name:<32} {line}", flush=True)
    print(f"\n(b) serving, {clients} clients, {seconds:.0f} s a run, ask + search mix; medians over {rounds} runs:")
    for name, rows in results.items():
        rate, p50, p99 = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"  {name:<32} {rate:6.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  failed {sum(r[3] for r in rows)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=80, help="news20k articles beside corpus/")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved indexing rounds")
    parser.add_argument("--serve-rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30, help="load per serving run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip", choices=("index", "serve"), help="leave one part out")
    parser.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.in_namespace:
        inner = " ".join(f'"{a}"' for a in [sys.executable, "-m", "benchmarks.ray_overhead", *sys.argv[1:]])
        script = f"ip link set lo up && exec {inner} --in-namespace"
        sys.exit(subprocess.run([*UNSHARE, "bash", "-c", script], cwd=ROOT, check=False).returncode)
    with tempfile.TemporaryDirectory(prefix="ray-overhead-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOIDAP_", "RAY_"))}
        env.update(
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            RAY_AUTH_MODE="token",  # the runs' own token, never written to ~/.ray
            RAY_AUTH_TOKEN=secrets.token_hex(24),
            HOIDAP_MODELS_DIR=str(ROOT / "data" / "models"),
            HOIDAP_DATABASE=str(work / "service.sqlite3"),
            HOIDAP_RATE_LIMIT_PER_MINUTE="0",
        )
        os.environ.update({k: v for k, v in env.items() if k.startswith("RAY_")})  # for hoidap_serve's children
        if args.skip != "index":
            indexing(work, env, args.docs, args.rounds)
        else:
            write_corpus(work / "corpus", args.docs)
            timed_index(work / "corpus", work / "index-local-large", env, None)
        if args.skip != "serve":
            serving(work / "index-local-large", env, args.seconds, args.clients, args.serve_rounds)


if __name__ == "__main__":
    main()
