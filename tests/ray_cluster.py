"""A real two-node Ray cluster on the loopback, for tests/service/test_ray.py.

`run_in_loopback_namespace(out, corpus)` runs this module's `main` inside new network and PID namespaces
(`unshare --net --pid --fork --mount-proc`) that have only the loopback: Ray advertises the machine's
network address even when told 127.0.0.1, and there the loopback is the only one.  `ray stop` sees only
the namespace's processes, and when the namespace ends the kernel ends whatever is left in it.

`main` starts a head (`ray start --head`) and a second node (`ray start --address`) as separate processes,
runs `hoidap index --ray` and `hoidap serve --ray` against them, asks questions over HTTP, republishes the
index with one more report while serving, stops the server with SIGTERM, indexes a second folder into a
named collection (`--collection`), and stops the cluster; everything it saw goes into
`<out>/results.json` for the tests to check.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
UNSHARE = ("unshare", "--net", "--pid", "--fork", "--mount-proc")
HEAD_PORT, HTTP_PORT = 6379, 8000  # the namespace's own loopback: nothing else listens there
NODE_CPUS = "2"  # logical CPUs each node offers: two replicas, or two embedding actors, per node
FIRST_QUESTION = "Quảng Nam có bao nhiêu điểm cầu hội nghị truyền hình?"
NEW_REPORT = (
    "ninh-thuan-2013-hoi-nghi-truyen-hinh.txt",
    "Báo cáo ứng dụng công nghệ thông tin năm 2013 của tỉnh Ninh Thuận\n\n"
    "Trong năm 2013, tỉnh Ninh Thuận đã đầu tư hệ thống hội nghị truyền hình trực tuyến với 23 điểm cầu "
    "kết nối Ủy ban nhân dân tỉnh với các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố.\n",
)
FIRST_GENERATION = "first-generation"  # a copy of the first `index --ray` run's generation
NEW_QUESTION = "Ninh Thuận có bao nhiêu điểm cầu hội nghị truyền hình?"
COLLECTION = "so-tttt"  # a department's folder, indexed with --collection beside the default collection
COLLECTION_REPORT = (
    "binh-thuan-2013-chu-ky-so.txt",
    "Báo cáo triển khai chữ ký số năm 2013 của Sở Thông tin và Truyền thông tỉnh Bình Thuận\n\n"
    "Năm 2013, Sở đã cấp 145 chứng thư số cho lãnh đạo các cơ quan nhà nước trên địa bàn tỉnh.\n",
)


def namespace_problem() -> str | None:
    """Why a loopback-only namespace cannot be made here, or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare (util-linux) and ip (iproute2) are needed for the loopback-only namespace"
    try:
        made = subprocess.run([*UNSHARE, "ip", "link", "set", "lo", "up"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if made.returncode != 0:
        return f"cannot make network and PID namespaces (needs root or CAP_SYS_ADMIN): {made.stderr.decode()[:200]}"
    return None


def run_in_loopback_namespace(out: Path, corpus: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    script = f'ip link set lo up && exec "{sys.executable}" -m tests.ray_cluster "{out}" "{corpus}"'
    return subprocess.run(
        [*UNSHARE, "bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def _hoidap(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "service", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def _ask(base: str, question: str) -> dict[str, Any]:
    response = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=60)
    return {"status": response.status_code, "body": response.json()}


def _wait_ready(base: str, server: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def main(out: Path, corpus: Path) -> None:
    ray = str(Path(sys.executable).parent / "ray")
    temp = Path(tempfile.mkdtemp(prefix="hr", dir="/tmp"))  # short: Ray's socket paths must fit in 107 bytes
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOIDAP_", "RAY_"))}
    env.update(
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        RAY_AUTH_MODE="token",  # the cluster's own token, never written to ~/.ray
        RAY_AUTH_TOKEN=secrets.token_hex(24),
        HOIDAP_MODELS_DIR=str(ROOT / "data" / "models"),
        HOIDAP_INDEX_DIR=str(out / "index"),
        HOIDAP_RELOAD_CHECK_SECONDS="0.5",
        HOIDAP_RATE_LIMIT_PER_MINUTE="0",
        HOIDAP_DATABASE=str(out / "service.sqlite3"),
    )
    address = f"127.0.0.1:{HEAD_PORT}"
    results: dict[str, Any] = {"timings": {}}
    started = time.monotonic()

    def lap(name: str) -> None:
        results["timings"][name] = round(time.monotonic() - started, 1)

    node = ["--node-ip-address=127.0.0.1", f"--num-cpus={NODE_CPUS}", "--disable-usage-stats"]
    head = [ray, "start", "--head", f"--port={HEAD_PORT}", "--include-dashboard=false", f"--temp-dir={temp}", *node]
    try:
        subprocess.run(head, env=env, check=True, capture_output=True, timeout=120)
        subprocess.run([ray, "start", f"--address={address}", *node], env=env, check=True, capture_output=True)
        lap("cluster started")
        probe = f"import json, ray; ray.init(address='{address}', logging_level='ERROR'); "
        probe += "print(json.dumps([n['NodeManagerAddress'] for n in ray.nodes() if n['Alive']]))"
        listed = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
        results["nodes"] = json.loads(listed.stdout.strip().splitlines()[-1])
        original = out / "corpus-as-first-indexed"  # the corpus before the new report is added
        shutil.copytree(corpus, original)
        first = _hoidap("index", str(corpus), "--ray", address, "--json", env=env)
        results["first_index"] = {"rc": first.returncode, "summary": first.stdout, "stderr": first.stderr[-3000:]}
        lap("first index --ray")
        if first.returncode == 0:  # kept for the equality test: later runs collect the generations before the last two
            shutil.copytree(out / "index" / "gen-000001", out / FIRST_GENERATION)
        serve_log = open(out / "serve.log", "wb")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--ray", address, "--port", str(HTTP_PORT), "--replicas", "2"],
            cwd=ROOT,
            env=env,
            stdout=serve_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{HTTP_PORT}"
        try:
            results["ready"] = _wait_ready(base, server, 180)
            lap("serve --ray ready")
            if results["ready"]:
                results["first_answer"] = _ask(base, FIRST_QUESTION)
                page = httpx.get(f"{base}/", timeout=30)
                results["page"] = {"status": page.status_code, "type": page.headers.get("content-type", "")}
                (corpus / NEW_REPORT[0]).write_text(NEW_REPORT[1], encoding="utf-8")
                second = _hoidap("index", str(corpus), "--ray", address, "--json", env=env)
                results["second_index"] = {"rc": second.returncode, "summary": second.stdout}
                lap("second index --ray")
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    results["new_answer"] = _ask(base, NEW_QUESTION)
                    if results["new_answer"]["body"].get("query", {}).get("index_generation") == "gen-000002":
                        break
                    time.sleep(0.5)
                lap("new generation served")
        finally:
            server.terminate()  # SIGTERM: the application is taken down and the command exits 0
            try:
                results["serve_rc"] = server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                results["serve_rc"] = "killed"
            serve_log.close()
        department = out / COLLECTION
        department.mkdir()
        (department / COLLECTION_REPORT[0]).write_text(COLLECTION_REPORT[1], encoding="utf-8")
        named = _hoidap("index", str(department), "--ray", address, "--collection", COLLECTION, "--json", env=env)
        results["collection_index"] = {"rc": named.returncode, "summary": named.stdout, "stderr": named.stderr[-3000:]}
        lap("index --ray --collection")
        late_env = env | {"HOIDAP_UNIT_VECTORS": "late", "HOIDAP_INDEX_DIR": str(out / "index-late")}
        late = _hoidap("index", str(original), "--ray", address, "--json", env=late_env)
        results["late_index"] = {"rc": late.returncode, "summary": late.stdout, "stderr": late.stderr[-3000:]}
        lap("index --ray, late unit vectors")
    finally:
        stopped = subprocess.run([ray, "stop"], env=env, capture_output=True, text=True, timeout=120)
        results["ray_stop_rc"] = stopped.returncode
        lap("cluster stopped")
        shutil.rmtree(temp, ignore_errors=True)
        (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
