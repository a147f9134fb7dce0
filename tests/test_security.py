"""Secrets stay secret: no API key in URLs, logs, reprs or exception texts."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from websockets.sync.server import ServerConnection

import genai_live
from genai_live.testing import FakeTransport

from .loopback import LoopbackServer

SECRET = "AIzaSECRET-do-not-leak-0123456789"


def test_key_is_sent_in_a_header_not_the_url() -> None:
    fake = FakeTransport()
    client = genai_live.Client(api_key=SECRET)
    with client.live.connect("gemini-x", transport=fake):
        pass
    assert fake.request is not None
    assert SECRET not in fake.request.url
    assert fake.request.headers["x-goog-api-key"] == SECRET
    assert SECRET not in repr(fake.request)
    assert SECRET not in repr(client)
    assert SECRET not in repr(client.http_options)


def test_ephemeral_token_uses_the_constrained_method_and_token_header() -> None:
    fake = FakeTransport()
    token = "auth_tokens/" + SECRET
    client = genai_live.Client(api_key=token, http_options={"api_version": "v1alpha"})
    with client.live.connect("gemini-x", transport=fake):
        pass
    assert fake.request is not None
    assert fake.request.url.endswith(
        "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained"
    )
    assert fake.request.headers["Authorization"] == f"Token {token}"
    assert SECRET not in repr(fake.request)


def test_query_key_mode_is_opt_in_and_redacted_in_reprs() -> None:
    fake = FakeTransport()
    client = genai_live.Client(api_key=SECRET, http_options={"api_key_in_query": True})
    with client.live.connect("gemini-x", transport=fake):
        pass
    assert fake.request is not None and fake.request.url.endswith("?key=" + SECRET)
    assert "x-goog-api-key" not in fake.request.headers
    assert SECRET not in repr(fake.request)


def test_no_secret_in_logs_or_errors_across_failures(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # The test server's own logs print request headers; they are not ours.
    monkeypatch.setattr(logging.getLogger("websockets"), "disabled", True)
    errors: list[str] = []

    def handler(connection: ServerConnection) -> None:
        connection.recv()
        connection.send(b'{"setupComplete": {}}')
        connection.send(b"{not json")

    def failing(connection: ServerConnection, request: object) -> object:
        return connection.respond(403, "denied\n")

    for kwargs in ({}, {"process_request": failing}):
        with LoopbackServer(handler, **kwargs) as server:
            client = genai_live.Client(api_key=SECRET, http_options={"base_url": server.url})
            try:
                with client.live.connect("gemini-x", timeout=5) as session:
                    for _ in session:
                        pass
            except genai_live.LiveError as exc:
                errors.append(str(exc))
                errors.append(repr(exc))
    fake = FakeTransport()
    session = genai_live.Client(api_key=SECRET).live.connect("gemini-x", transport=fake)
    fake.push_close(1008, "denied")
    with pytest.raises(genai_live.PolicyViolation) as info:
        for _ in session:
            pass
    errors.append(str(info.value))
    session.close()
    assert len(errors) == 5
    assert all(SECRET not in text for text in errors)
    ours = [r for r in caplog.records if not r.name.startswith("websockets")]
    assert all(SECRET not in r.getMessage() for r in ours)
    assert any(r.name == "genai_live" for r in ours)  # the failures were logged


def test_no_pickle_or_eval_in_the_package() -> None:
    package = os.path.dirname(genai_live.__file__)
    for root, _dirs, files in os.walk(package):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(root, name), encoding="utf-8") as source:
                    text = source.read()
                assert "import pickle" not in text and "eval(" not in text, name


def test_library_logger_has_a_null_handler_and_is_quiet_by_default() -> None:
    code = (
        "import sys, genai_live\n"
        "print('logging' in sys.modules)\n"  # loaded on the logger's first use, not at import
        "from genai_live.log import logger\n"
        "for _ in range(3):\n"
        "    logger.warning('a warning nobody asked to see')\n"
        "import importlib, genai_live.log\n"  # a second first use finds the handler there
        "importlib.reload(genai_live.log).logger.warning('again')\n"
        "import logging\n"
        "print(logging.getLogger('genai_live').handlers)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported_at_start, handlers = out.stdout.splitlines()
    assert imported_at_start == "False"
    assert handlers.count("NullHandler") == 1  # added once, however often the logger is used
    assert out.stderr == ""  # without the NullHandler, logging's last resort prints the warning
