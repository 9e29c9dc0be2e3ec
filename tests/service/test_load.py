"""A bounded load test on 127.0.0.1 while the index is republished twice: no 5xx, every answer from one
complete generation, answers unchanged."""

import pytest

from benchmarks.load_test import load_during_republish

pytestmark = pytest.mark.slow


def test_load_during_republish() -> None:
    result = load_during_republish(15, 16, (2, 6), HOIDAP_RELOAD_CHECK_SECONDS="0.5")
    assert not result.errors
    assert set(result.statuses) == {200}, result.statuses  # zero 5xx (and no 4xx)
    assert not result.wrong_answers
    assert set(result.generations) <= {"gen-000001", "gen-000002", "gen-000003"}
    assert "gen-000003" in result.generations, result.generations  # picked up without a restart
    assert sum(result.statuses.values()) > 50
