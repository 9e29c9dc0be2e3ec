"""Hostile requests against a real `hoidap serve` with every bot configured: malformed, huge and non-UTF-8
headers, bodies that are not UTF-8 or not JSON, chunked bodies over the limit, and a bounded Hypothesis fuzz of
the bot and chat routes.  Nothing may answer 5xx; the cases that matter answer precisely."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from tests.servers import hoidap_serve

pytestmark = pytest.mark.slow

SLACK_SECRET, OA_APP_ID, OA_KEY, BOT_SECRET = "slack-secret", "4242", "oa-key", "bot-secret"
BOT_ROUTES = ["/slack/events", "/slack/commands", "/zalo/oa", "/zalo/bot"]
ROUTES = [*BOT_ROUTES, "/v1/chat/completions", "/v1/ask"]
LIMIT = 16384


@pytest.fixture(scope="module")
def base(seed_index: Path) -> Iterator[str]:
    # The bots' APIs point at a closed port: replies fail in the background (logged), requests do not care.
    nowhere = "http://127.0.0.1:9"
    with hoidap_serve(
        seed_index,
        HOIDAP_RATE_LIMIT_PER_MINUTE="0",
        HOIDAP_MAX_BODY_BYTES=str(LIMIT),
        HOIDAP_SLACK_BOT_TOKEN="xoxb-x",
        HOIDAP_SLACK_SIGNING_SECRET=SLACK_SECRET,
        HOIDAP_SLACK_API_BASE_URL=f"{nowhere}/api/",
        HOIDAP_ZALO_OA_APP_ID=OA_APP_ID,
        HOIDAP_ZALO_OA_SECRET_KEY=OA_KEY,
        HOIDAP_ZALO_OA_ACCESS_TOKEN="token",
        HOIDAP_ZALO_OA_API_BASE_URL=nowhere,
        HOIDAP_ZALO_BOT_TOKEN="1:x",
        HOIDAP_ZALO_BOT_SECRET_TOKEN=BOT_SECRET,
        HOIDAP_ZALO_BOT_API_BASE_URL=nowhere,
    ) as url:
        yield url


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


def slack_headers(body: str | bytes, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=ts, body=text)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}


BAD_VALUES: list[str | bytes] = ["abc", "", "-1", "1e9", "١٢٣".encode(), "9" * 40, "x" * 8000, b"\xff\xfe\x80", "12 34"]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("route", ["/slack/events", "/slack/commands"])
def test_slack_bad_timestamps_and_signatures_are_401(http: httpx.Client, route: str, value) -> None:
    body = "text=x" if route.endswith("commands") else '{"type": "url_verification", "challenge": "c"}'
    good = slack_headers(body)
    for headers in (
        {**good, "X-Slack-Request-Timestamp": value},
        {**good, "X-Slack-Signature": value},
        {"X-Slack-Signature": good["X-Slack-Signature"]},  # no timestamp at all
    ):
        response = http.post(route, content=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Slack-Signature")


def test_slack_signed_but_unreadable_bodies_are_400(http: httpx.Client) -> None:
    for body in (b"not json", b"[1, 2]", b'{"type": "event_callback", "event": "x"'):
        response = http.post("/slack/events", content=body, headers=slack_headers(body))
        assert response.status_code == 400, (body, response.text)
    # an event of the wrong shapes: acknowledged, nothing answered, no 500
    odd = json.dumps({"type": "event_callback", "event_id": ["x"], "event": {"type": "app_mention", "channel": 5}})
    assert http.post("/slack/events", content=odd, headers=slack_headers(odd)).status_code == 200
    non_utf8 = b"text=\xff\xfe"
    headers = {**slack_headers(non_utf8), "Content-Type": "application/octet-stream"}
    assert http.post("/slack/commands", content=non_utf8, headers=headers).status_code == 400
    no_url = "text=hello"
    assert http.post("/slack/commands", content=no_url, headers=slack_headers(no_url)).status_code == 400


def test_zalo_bad_signatures_secrets_and_bodies(http: httpx.Client) -> None:
    for header in ("", "mac=", "x" * 8000, b"mac=\xff\xfe"):
        payload = json.dumps({"event_name": "user_send_text", "timestamp": "1"})
        response = http.post("/zalo/oa", content=payload, headers={"X-ZEvent-Signature": header})
        assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    for body in (b"not json", b"[]", b"\xff\xfe", b'{"timestamp": {"a": 1}}'):
        status = http.post("/zalo/oa", content=body, headers={"X-ZEvent-Signature": "mac=0"}).status_code
        assert status in (400, 401), body
    for secret in ("", "nope", b"\xff\xfe\xfd", "x" * 8000):
        response = http.post("/zalo/bot", json={}, headers={"X-Bot-Api-Secret-Token": secret})
        assert response.status_code == 401
    secret = {"X-Bot-Api-Secret-Token": BOT_SECRET}
    for body in (b"not json", b"[1]", b"\xff", b'{"result": "x"}', b'{"event_name": "message.text.received"}'):
        status = http.post("/zalo/bot", content=body, headers=secret).status_code
        assert status in (200, 400), body


def chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("route", ROUTES)
def test_bodies_over_the_limit_are_413_chunked_or_not(http: httpx.Client, route: str) -> None:
    chunked = http.post(route, content=chunks(1_000_000), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413 and "sent chunked over the 16,384-byte limit" in chunked.text
    announced = http.post(route, content=b"a" * (LIMIT + 1), headers={"Content-Type": "application/json"})
    assert announced.status_code == 413 and "of 16,385 bytes" in announced.text


def test_chat_with_hostile_bodies_and_headers(http: httpx.Client) -> None:
    route, json_type = "/v1/chat/completions", {"Content-Type": "application/json"}
    cases = {
        b'{"messages": [{"role": "user", "content": "\xff"}]}': (400, "not UTF-8"),
        b'{"messages": [': (400, "not valid JSON"),
        b'{"messages": "hi"}': (422, "messages"),
        b'{"messages": [{"role": "hacker", "content": "x"}]}': (422, "role"),
        b'{"messages": [{"role": "user", "content": {"a": 1}}]}': (422, "content"),
        b'{"messages": [{"role": "user", "content": "x"}], "n": 2}': (422, "only n=1"),
        b'{"messages": [{"role": "user", "content": "x"}], "top_k": 1e9}': (422, "top_k"),
    }
    for body, (status, fragment) in cases.items():
        response = http.post(route, content=body, headers=json_type)
        assert response.status_code == status and fragment in response.text, (body, response.text)
    question = {"messages": [{"role": "user", "content": "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"}]}
    for name, value in [
        ("X-Request-Id", b"\xff\xfe" * 10),
        ("X-Request-Id", "x" * 8000),
        ("Authorization", b"Bearer \xff\xfe"),
        ("Authorization", "Bearer " + "k" * 8000),
        ("Content-Type", "application/json; charset=latin-1"),
        ("Accept", b"\x80\x81"),
    ]:
        response = http.post(route, json=question, headers={name: value})
        assert response.status_code == 200, (name, response.text)
        assert len(response.headers["X-Request-Id"]) <= 64


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
@given(
    route=st.sampled_from(ROUTES),
    body=st.one_of(st.binary(max_size=600), st.text(max_size=300).map(str.encode)),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "X-Slack-Request-Timestamp",
                "X-Slack-Signature",
                "X-Slack-Retry-Num",
                "X-ZEvent-Signature",
                "X-Bot-Api-Secret-Token",
                "X-Request-Id",
                "Authorization",
                "Content-Type",
            ]
        ),
        st.one_of(
            # what a client can send: no CR, LF or NUL, no whitespace at either end (h11 refuses those)
            st.binary(max_size=300).map(
                lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"").strip()
            ),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=100),
            st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
        ),
        max_size=5,
    ),
)
def test_fuzzed_bot_and_chat_requests_never_get_a_5xx(http: httpx.Client, route: str, body: bytes, headers) -> None:
    try:
        response = http.post(route, content=body, headers=headers)
    except httpx.LocalProtocolError:  # a request no HTTP client can send: not an example
        reject()
    except httpx.RemoteProtocolError:  # the HTTP parser refused the request outright: not a 5xx either
        return
    assert response.status_code < 500, (route, body, headers, response.text)
