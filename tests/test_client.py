"""Client configuration: environment, endpoints, Vertex AI credentials, proxies."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import genai_live

ENV = [
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_USE_ENTERPRISE",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_GEMINI_BASE_URL",
    "GOOGLE_VERTEX_BASE_URL",
    "GOOGLE_GENAI_API_VERSION",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


class Credentials:
    """A google-auth-like credentials object with a fixed token (no network)."""

    def __init__(
        self, token: str | None = "tok", valid: bool = True, quota_project_id: str | None = None
    ) -> None:
        self.token, self.valid, self.quota_project_id = token, valid, quota_project_id
        self.refreshed = 0

    def refresh(self, request: Any) -> None:
        self.refreshed += 1
        self.token, self.valid = f"fresh-{self.refreshed}", True


def request(client: genai_live.Client) -> genai_live.ConnectRequest:
    return client.connect_request(timeout=5, max_message_size=1024)


def test_google_api_key_wins_over_gemini_api_key_and_explicit_wins_over_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "gemini")
    assert request(genai_live.Client()).headers["x-goog-api-key"] == "gemini"
    monkeypatch.setenv("GOOGLE_API_KEY", "google")
    assert request(genai_live.Client()).headers["x-goog-api-key"] == "google"
    assert request(genai_live.Client(api_key="explicit")).headers["x-goog-api-key"] == "explicit"


def test_missing_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="GEMINI_API_KEY"):
        request(genai_live.Client())


def test_default_endpoint_and_api_version(monkeypatch: pytest.MonkeyPatch) -> None:
    url = request(genai_live.Client(api_key="k")).url
    assert url == (
        "wss://generativelanguage.googleapis.com/ws/"
        "google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    )
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1alpha")
    assert ".v1alpha." in request(genai_live.Client(api_key="k")).url


@pytest.mark.parametrize(
    "base, expected",
    [
        ("http://127.0.0.1:8765", "ws://127.0.0.1:8765/ws/"),
        ("https://example.com/", "wss://example.com/ws/"),
        ("https://example.com/prefix//", "wss://example.com/prefix/ws/"),
        ("ws://h:1", "ws://h:1/ws/"),
    ],
)
def test_base_url_scheme_mapping_without_double_slash(base: str, expected: str) -> None:
    url = request(genai_live.Client(api_key="k", http_options={"base_url": base})).url
    assert url.startswith(expected)
    assert "//ws" not in url


def test_base_url_environment_override_and_http_options_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://env.example")
    assert request(genai_live.Client(api_key="k")).url.startswith("wss://env.example/ws/")
    client = genai_live.Client(api_key="k", http_options={"baseUrl": "https://opt.example"})
    assert request(client).url.startswith("wss://opt.example/ws/")


def test_custom_headers_pass_through() -> None:
    client = genai_live.Client(api_key="k", http_options={"headers": {"x-team": "a"}})
    assert request(client).headers["x-team"] == "a"


def test_unknown_http_option_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown http_options key"):
        genai_live.Client(api_key="k", http_options={"base_ur": "x"})


def test_ephemeral_token_outside_v1alpha_warns() -> None:
    client = genai_live.Client(api_key="auth_tokens/abc")
    with pytest.warns(UserWarning, match="v1alpha only"):
        assert request(client).url.endswith("BidiGenerateContentConstrained")


@pytest.mark.parametrize(
    "location, host",
    [
        ("global", "aiplatform.googleapis.com"),
        ("us", "aiplatform.us.rep.googleapis.com"),
        ("eu", "aiplatform.eu.rep.googleapis.com"),
        ("us-central1", "us-central1-aiplatform.googleapis.com"),
    ],
)
def test_vertex_endpoints_by_location(location: str, host: str) -> None:
    client = genai_live.Client(
        vertexai=True, project="p", location=location, credentials=Credentials()
    )
    req = request(client)
    assert (
        req.url
        == f"wss://{host}/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent"
    )
    assert req.headers["Authorization"] == "Bearer tok"


def test_vertex_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "proj")
    client = genai_live.Client(credentials=Credentials())
    assert client.vertexai and client.project == "proj" and client.location == "global"
    assert client.backend.project == "proj"


def test_vertex_express_mode_uses_the_key_and_short_model_names() -> None:
    client = genai_live.Client(vertexai=True, api_key="vkey")
    req = request(client)
    assert req.headers["x-goog-api-key"] == "vkey" and "Authorization" not in req.headers
    assert req.url.startswith("wss://aiplatform.googleapis.com/ws/google.cloud.aiplatform.")
    assert client.backend.project is None


def test_expired_vertex_token_is_refreshed_and_quota_project_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("google.auth")
    credentials = Credentials(token="old", valid=False, quota_project_id="billing")
    client = genai_live.Client(
        vertexai=True, project="p", location="global", credentials=credentials
    )
    req = request(client)
    assert req.headers["Authorization"] == "Bearer fresh-1"
    assert req.headers["x-goog-user-project"] == "billing"
    assert credentials.refreshed == 1
    request(client)
    assert credentials.refreshed == 1  # still valid: no second refresh


def test_missing_google_auth_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.auth", None)
    client = genai_live.Client(vertexai=True, project="p", location="global")
    with pytest.raises(ImportError, match=r"genai-live\[vertex\]"):
        request(client)


def test_proxy_from_environment_and_loopback_bypass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    assert request(genai_live.Client(api_key="k")).proxy == "http://proxy.local:3128"
    loopback = genai_live.Client(api_key="k", http_options={"base_url": "http://127.0.0.1:9"})
    assert request(loopback).proxy is None
    monkeypatch.setenv("NO_PROXY", "googleapis.com")
    assert request(genai_live.Client(api_key="k")).proxy is None
    explicit = genai_live.Client(api_key="k", http_options={"proxy": "socks5://s:1080"})
    assert request(explicit).proxy == "socks5://s:1080"


def test_vertex_session_against_the_emulator_with_fake_credentials() -> None:
    from genai_live.testing import LiveEmulator

    with LiveEmulator(speed=0) as emu:
        client = emu.client(
            vertexai=True, project="p", location="us-central1", credentials=Credentials()
        )
        with client.live.connect(
            "gemini-live-2.5-flash", config={"responseModalities": ["TEXT"]}
        ) as session:
            assert session.session_id  # Vertex answers with a session id
            session.send_client_content(turns="hello vertex")
            turn = session.receive_turn(timeout=10)
        assert "hello vertex" in turn.text
        assert turn.usage is not None and turn.usage.response_token_count  # candidatesTokenCount
        path, _query, headers = emu.handshakes[0]
        assert "LlmBidiService/BidiGenerateContent" in path
        assert headers.get("authorization") == "Bearer tok"  # recorded lower-cased
        assert emu.received[0]["setup"]["model"].startswith(
            "projects/p/locations/us-central1/publishers/google/models/"
        )


def test_http_options_timeout_is_the_default_connect_timeout() -> None:
    from genai_live.testing import FakeTransport

    fake = FakeTransport()
    client = genai_live.Client(api_key="k", http_options={"timeout": 7.5})
    with client.live.connect("gemini-x", transport=fake):
        pass
    assert fake.request is not None and fake.request.timeout == 7.5
    assert client.default_timeout(2.0) == 2.0
    assert genai_live.Client(api_key="k").default_timeout(None) == 30.0
