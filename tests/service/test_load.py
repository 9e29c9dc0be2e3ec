"""A bounded load test on 127.0.0.1 while the index is republished twice: no 5xx, every answer from one
complete generation, answers unchanged."""

import shutil
import subprocess
import sys

import pytest

from benchmarks.load_test import run_load
from tests.conftest import CORPUS, ROOT
from tests.servers import hoidap_serve

pytestmark = pytest.mark.slow


def test_load_during_republish(tmp_path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    hoidap = [sys.executable, "-m", "service"]
    subprocess.run(
        [*hoidap, "index", str(corpus), "--index-dir", str(index), "-q"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )

    def republish(n: int) -> None:
        (corpus / f"bo-sung-{n}.txt").write_text(
            f"Báo cáo bổ sung số {n} của tỉnh Khánh Hòa về hạ tầng công nghệ thông tin năm 2013.", encoding="utf-8"
        )
        subprocess.run(
            [*hoidap, "index", str(corpus), "--index-dir", str(index), "-q"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )

    with hoidap_serve(index, HOIDAP_RATE_LIMIT_PER_MINUTE="0", HOIDAP_RELOAD_CHECK_SECONDS="0.5") as base:
        result = run_load(base, 15, 16, [(2, lambda: republish(1)), (6, lambda: republish(2))])
    assert not result.errors
    assert set(result.statuses) == {200}, result.statuses  # zero 5xx (and no 4xx)
    assert not result.wrong_answers
    assert set(result.generations) <= {"gen-000001", "gen-000002", "gen-000003"}
    assert "gen-000003" in result.generations, result.generations  # picked up without a restart
    assert sum(result.statuses.values()) > 50
