"""A tiny scripted WebSocket server on 127.0.0.1 for transport tests (the `websockets` package)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from websockets.sync.server import ServerConnection, serve


class LoopbackServer:
    """Runs ``handler(connection)`` for each client; records request paths and headers."""

    def __init__(self, handler: Callable[[ServerConnection], None], **kwargs: Any) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []

        def process_request(connection: ServerConnection, request: Any) -> Any:
            self.requests.append((request.path, dict(request.headers.raw_items())))
            hook = kwargs.get("process_request")
            return hook(connection, request) if hook else None

        options = {k: v for k, v in kwargs.items() if k != "process_request"}
        self._server = serve(handler, "127.0.0.1", 0, process_request=process_request, **options)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(5)


def server_frame(payload: bytes) -> bytes:
    """An unmasked final binary frame, as a server writes it."""
    size = len(payload)
    if size < 126:
        head = bytes([0x82, size])
    elif size < 1 << 16:
        head = bytes([0x82, 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x82, 127]) + size.to_bytes(8, "big")
    return head + payload
