"""Projection of a run's raw assistant text into display text, and its suppression (spec §2.5).

A reply that is exactly a control token (`NO_REPLY`, `ANNOUNCE_SKIP`, `REPLY_SKIP`) is never
shown: it projects to `""`. While such a token is still streaming in, its uppercase leading
fragment (at least `MIN_FRAGMENT[token]` characters) projects to itself but is suppressed too,
so a client never sees "NO_RE" flash by. Every suppressed text is precomputed in one table, so
the check on the hot path is a length test and at most one dict lookup.
"""

from __future__ import annotations

MIN_FRAGMENT: dict[str, int] = {"NO_REPLY": 2, "ANNOUNCE_SKIP": 3, "REPLY_SKIP": 3}
CONTROL_TOKENS: tuple[str, ...] = tuple(MIN_FRAGMENT)


def _suppressed_display() -> dict[str, str]:
    table: dict[str, str] = {}
    for token, shortest in MIN_FRAGMENT.items():
        for end in range(shortest, len(token)):
            table[token[:end]] = token[:end]
    table.update(dict.fromkeys(CONTROL_TOKENS, ""))
    return table


SUPPRESSED_DISPLAY: dict[str, str] = _suppressed_display()
"""Every suppressed (stripped) text → what the `buffers` map holds for it."""
_LONGEST = max(map(len, CONTROL_TOKENS))


def project(raw: str) -> tuple[str, bool]:
    """Return (display text, suppressed) for a run's merged raw text."""
    stripped = raw.strip()
    if len(stripped) <= _LONGEST:
        display = SUPPRESSED_DISPLAY.get(stripped)
        if display is not None:
            return display, True
    return raw, False
