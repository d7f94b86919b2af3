"""A minimal JSON client for a scientia server on this machine: a free loopback port to start one
on, and ``POST`` with the status and JSON answer, errors included (load tests and tests)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

__all__ = ["free_port", "post"]


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(port: int, path: str, body: dict[str, Any], timeout: float = 30) -> tuple[int, dict[str, Any]]:
    """POST ``body`` as JSON to the server on ``port``: ``(status, JSON answer)``, errors included."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:  # an error page that is not JSON
            return error.code, {}
