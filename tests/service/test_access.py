"""Access control, limits and observability: keys, 401/429/413, the time budget, CORS, metrics, logs."""

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from service.api.access import key_digest
from service.api.app import create_app

KEY = "hd_test-key-for-the-suite"


def app_with(seed_holder, **settings):
    return create_app(seed_holder.settings.model_copy(update=settings), holder=seed_holder)


def test_keys_required_when_configured(seed_holder) -> None:
    with TestClient(app_with(seed_holder, api_keys=[key_digest(KEY)])) as c:
        body = {"question": "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"}
        missing = c.post("/v1/ask", json=body)
        assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["error"]["message"]
        wrong = c.post("/v1/ask", json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = c.post("/v1/ask", json=body, headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code == 200 and "67" in ok.json()["answer"]
        assert c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]}).status_code == 401
        # health, readiness, metrics and the page stay open
        for path in ("/healthz", "/readyz", "/metrics", "/"):
            assert c.get(path).status_code == 200, path


def test_rate_limit_429_with_retry_after(seed_holder) -> None:
    with TestClient(app_with(seed_holder, rate_limit_per_minute=3)) as c:
        codes = [c.post("/v1/search", json={"question": "máy chủ"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        limited = c.post("/v1/search", json={"question": "máy chủ"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_oversized_body_413(seed_holder) -> None:
    with TestClient(app_with(seed_holder, max_body_bytes=2048)) as c:
        response = c.post(
            "/v1/ask", content=b'{"question": "' + b"a" * 5000 + b'"}', headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413


def test_time_budget(seed_holder, monkeypatch) -> None:
    import time as time_module

    with TestClient(app_with(seed_holder, request_timeout_seconds=0.5)) as c:
        engine = seed_holder.current()  # the lifespan loaded it: patch the one that serves
        real_ask = engine.ask

        def slow_ask(*args, **kwargs):
            time_module.sleep(1.5)
            return real_ask(*args, **kwargs)

        monkeypatch.setattr(engine, "ask", slow_ask)
        started = time_module.monotonic()
        response = c.post("/v1/ask", json={"question": "Kon Tum có bao nhiêu máy chủ?"})
        assert response.status_code == 503 and "longer than" in response.json()["error"]["message"]
        assert time_module.monotonic() - started < 1.4  # answered when the budget ran out, not after the work


def test_cors_off_unless_configured(seed_holder) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    with TestClient(app_with(seed_holder)) as c:
        assert "access-control-allow-origin" not in c.options("/v1/ask", headers=preflight).headers
    with TestClient(app_with(seed_holder, cors_origins=["https://example.org"])) as c:
        assert c.options("/v1/ask", headers=preflight).headers["access-control-allow-origin"] == "https://example.org"


def test_metrics_and_request_log(seed_holder, caplog) -> None:
    with TestClient(app_with(seed_holder)) as c, caplog.at_level(logging.INFO, logger="hoidap.access"):
        c.post("/v1/ask", json={"question": "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"})
        c.post("/v1/ask", json={"question": "Hà Nội có bao nhiêu điểm cầu?"})
        text = c.get("/metrics").text
    assert 'hoidap_requests_total{route="/v1/ask",status="200"} 2.0' in text
    assert 'hoidap_answers_total{outcome="answered"} 1.0' in text and 'outcome="refused"} 1.0' in text
    assert "hoidap_index_generation 1.0" in text and "hoidap_index_chunks" in text
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "hoidap.access"]
    assert lines and {"request_id", "route", "status", "ms"} <= set(lines[0])
    assert all("question" not in line for line in lines)  # questions stay out of the log unless configured


@pytest.mark.parametrize("source", ["../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd"])
def test_path_traversal_in_document_routes_is_refused(seed_holder, source: str) -> None:
    with TestClient(app_with(seed_holder)) as c:
        response = c.get(f"/v1/documents/{source}")
        assert response.status_code in (404, 422)
        assert "root:" not in response.text
        filtered = c.post("/v1/search", json={"question": "x", "filters": {"source": source}})
        assert filtered.status_code == 422


def test_401_says_how_to_authenticate(seed_holder) -> None:
    with TestClient(app_with(seed_holder, api_keys=[key_digest(KEY)])) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
            response = c.post("/v1/ask", json={"question": "máy chủ"}, headers=headers)
            assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="hoidap"'
            assert response.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/docs", None),
        ("GET", "/static/app.js", None),
        ("GET", "/healthz", None),
        ("GET", "/metrics", None),
        ("POST", "/v1/ask", {"question": "Kon Tum có bao nhiêu máy chủ?"}),
        ("POST", "/v1/ask", {"question": ""}),  # errors too
        ("GET", "/no/such/page", None),
    ],
)
def test_security_headers_on_every_response(seed_holder, method: str, path: str, body) -> None:
    with TestClient(app_with(seed_holder)) as c:
        response = c.request(method, path, json=body)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy


def test_docs_are_served_from_the_package_without_a_cdn(seed_holder) -> None:
    with TestClient(app_with(seed_holder)) as c:
        page = c.get("/docs").text
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert assets and all(a.startswith("/docs-assets/") for a in assets), assets
        for asset in assets:
            assert c.get(asset).status_code == 200, asset
        assert "cdn" not in page.lower() and "http" not in page.replace("http-equiv", "")
        assert c.get("/redoc").status_code == 404  # ReDoc would load from a CDN: not offered


def test_a_callers_request_id_is_kept_only_when_it_is_well_formed(seed_holder) -> None:
    with TestClient(app_with(seed_holder)) as c:
        assert c.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
        odd = c.get("/healthz", headers={"X-Request-Id": b"\xff\xfe<script>"}).headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{16}", odd)
