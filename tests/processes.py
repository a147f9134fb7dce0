"""What the tests that start Python processes share: an environment that cannot redirect them."""

from __future__ import annotations

import os

_PROXIES = ("http_proxy", "https_proxy", "no_proxy", "all_proxy")


def clean_environment() -> dict[str, str]:
    """This process's environment without credentials, endpoint settings or proxies (a child
    then talks to the embedded emulator only), and with UTF-8 output."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GOOGLE_", "GEMINI_")) and k.lower() not in _PROXIES
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env
