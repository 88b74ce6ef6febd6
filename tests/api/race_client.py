"""One racing client process: a thread per token, all posting the same booking at once.

Standard library only, so spawned processes start quickly and share nothing with the app.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any


def post_booking(base_url: str, token: str, session_id: int) -> int:
    """POST /api/v1/bookings and return the status code."""
    request = urllib.request.Request(  # noqa: S310 (our own server on loopback)
        f"{base_url}/api/v1/bookings", method="POST",
        data=json.dumps({"session_id": session_id}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def fire(base_url: str, tokens: list[str], session_id: int, start: Any, results: Any) -> None:
    """Wait for the start signal, then post every token's booking concurrently."""
    codes: list[int] = []
    lock = threading.Lock()

    def run(token: str) -> None:
        start.wait()
        code = post_booking(base_url, token, session_id)
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for code in codes:
        results.put(code)
