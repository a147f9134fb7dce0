"""Error recovery: reconnect by hand, as the seed does, then let the session resume by itself.

Part 1 ports the JavaScript original (seed example 7): ``onclose`` schedules a new
``connect()`` after a delay, up to three attempts in a row, and ``onopen`` resets the count. The
embedded emulator makes it happen: it cuts the connection (``inject("drop")``) and refuses the
first reconnection with HTTP 503 (``inject("reject")``). Unlike the original, a close we asked
for is not followed by a reconnection (``event.by_client``), or the example would never end.
A reconnected session starts a new conversation: the model has forgotten the first one.

Part 2 uses ``connect(..., resume=True)`` instead: the session reconnects with the latest
resumption handle by itself, and the conversation goes on where it was.

    python examples/error_recovery.py [--live | --base-url URL] [--speed S]

Against ``--live`` or ``--base-url`` no fault can be injected: the example just runs a turn.
"""

from __future__ import annotations

import threading
import time

import _common

from genai_live import Client, CloseEvent, LiveError, ResumeInfo, Session, types

MAX_RECONNECT_ATTEMPTS = 3
RETRY_DELAY = 0.5  # seconds; the original waits 2 s


def manual_reconnect(client: Client) -> None:
    """Part 1: the JavaScript example's reconnect loop."""
    session: Session | None = None
    reconnect_attempts = 0
    ready = threading.Event()  # a session is connected
    failed = threading.Event()  # a connection attempt failed
    answered = threading.Event()
    pieces: list[str] = []
    emulator = _common.emulator()

    def onopen() -> None:
        nonlocal reconnect_attempts
        print("Connected")
        reconnect_attempts = 0

    def onmessage(message: types.LiveServerMessage) -> None:
        # Handle messages
        if message.text:
            pieces.append(message.text)
        content = message.server_content
        if content is not None and content.turn_complete:
            print("Model:", "".join(pieces).strip())
            pieces.clear()
            answered.set()

    def onerror(error: Exception) -> None:
        print("Error:", error)

    def onclose(event: CloseEvent) -> None:
        nonlocal reconnect_attempts
        print(f"Connection closed (code {event.code})")
        # Attempt reconnect
        if not event.by_client and reconnect_attempts < MAX_RECONNECT_ATTEMPTS:
            reconnect_attempts += 1
            print(f"Reconnecting... (attempt {reconnect_attempts})")
            threading.Timer(RETRY_DELAY, connect_with_retry).start()

    def connect_with_retry() -> None:
        nonlocal session, reconnect_attempts
        try:
            session = client.live.connect(
                model=_common.model(),
                config={"responseModalities": ["TEXT"]},
                callbacks={
                    "onopen": onopen,
                    "onmessage": onmessage,
                    "onerror": onerror,
                    "onclose": onclose,
                },
            )
            ready.set()
        except LiveError as error:
            print("Connection failed:", error)
            failed.set()
            if reconnect_attempts < MAX_RECONNECT_ATTEMPTS:
                reconnect_attempts += 1
                threading.Timer(RETRY_DELAY, connect_with_retry).start()

    def ask(text: str) -> None:
        assert session is not None
        print("User:", text)
        answered.clear()
        session.send_client_content(turns=text)
        _common.wait(answered, f"the answer to {text!r}")

    # Start connection
    connect_with_retry()
    _common.wait(ready, "the first connection")
    ask("My name is Ada.")
    if emulator is not None:
        ready.clear()
        emulator.inject("reject", status=503)  # the next handshake fails...
        emulator.inject("drop")  # ...after the connection is cut
        _common.wait(failed, "the refused reconnection")
        emulator.clear_faults()
        _common.wait(ready, "the reconnection")
        ask("Do you remember my name?")
    else:
        print("(no embedded emulator: no fault to inject)")
    assert session is not None
    session.close()


def automatic_resumption(client: Client) -> None:
    """Part 2: ``resume=True`` reconnects by itself and keeps the conversation."""
    resumed = threading.Event()
    emulator = _common.emulator()

    def onresume(info: ResumeInfo) -> None:
        print(f"Resumed after {info.reason} (code {info.code}) in {info.attempts} attempt(s)")
        resumed.set()

    with client.live.connect(
        _common.model(),
        config={"responseModalities": ["TEXT"]},
        resume=True,
        callbacks={
            "onreconnect": lambda attempt: print(f"Reconnecting... (attempt {attempt})"),
            "onresume": onresume,
        },
    ) as session:
        print("User: My name is Ada.")
        session.send_client_content(turns="My name is Ada.")
        print("Model:", session.receive_turn(timeout=_common.TIMEOUT).text)
        # After each turn the server sends a handle that resumes the conversation as it is now.
        deadline = time.monotonic() + _common.TIMEOUT
        while True:
            message = session.receive(timeout=max(0.0, deadline - time.monotonic()))
            update = message.session_resumption_update
            if update is not None and update.new_handle:
                break
        if emulator is not None:
            emulator.inject("drop")
            _common.wait(resumed, "the resumption")
        else:
            print("(no embedded emulator: no fault to inject)")
        print("User: Do you remember my name?")
        session.send_client_content(turns="Do you remember my name?")
        print("Model:", session.receive_turn(timeout=_common.TIMEOUT).text)


def main() -> int:
    """Run the example; returns the exit status."""
    with _common.client(speed=0) as client:
        print("-- reconnecting by hand (the seed's loop)")
        manual_reconnect(client)
        print("-- resume=True")
        automatic_resumption(client)
    return 0


if __name__ == "__main__":
    _common.run(main)
