"""Vertex AI credentials: an OAuth bearer token from google-auth (the ``vertex`` extra)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["bearer_token"]

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
_lock = threading.Lock()


def _google_auth() -> Any:
    try:
        import google.auth
        import google.auth.transport.requests
    except ImportError:
        raise ImportError(
            "Vertex AI needs google-auth for credentials: pip install 'genai-live[vertex]' "
            "(or pass an API key for Vertex AI express mode)."
        ) from None
    return google.auth


def bearer_token(client: Any) -> str:
    """A valid access token from ``client.credentials`` or Application Default Credentials.

    The credentials are refreshed when they are missing a token or expired.
    """
    with _lock:
        credentials = client.credentials
        if credentials is None:
            auth = _google_auth()
            credentials, project = auth.default(scopes=SCOPES)
            client.credentials = credentials
            if client.project is None and project:
                client.project = project
        if not getattr(credentials, "token", None) or not getattr(credentials, "valid", True):
            auth = _google_auth()
            credentials.refresh(auth.transport.requests.Request())
        token = credentials.token
        if not token:
            raise ValueError("the Vertex AI credentials produced no access token.")
        return str(token)
