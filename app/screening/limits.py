"""Rate limit on entering retrieval codes, shared by the page and the API.

Codes carry 80 bits; the limit keeps guessing noisy and slow whichever door it uses.
"""

from __future__ import annotations

from app.extensions import limiter

RETRIEVE_LIMIT = "10 per minute;60 per hour"  # per address

retrieve_limit = limiter.shared_limit(RETRIEVE_LIMIT, scope="screening-retrieve",
                                      methods=["POST"])
