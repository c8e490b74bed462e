"""A load driver for the HTTP test services: keep-alive GETs, one completed request = one run."""

from __future__ import annotations

import http.client
import time
from typing import Any


def drive(ctx: Any) -> None:
    """GET `path` on `port` until told to stop, at most `rate` requests per second (0: no cap)."""
    port = int(ctx.args["port"])
    path = str(ctx.args.get("path", "/chat"))
    rate = float(ctx.args.get("rate", 0))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    started, sent = time.monotonic(), 0
    try:
        while not ctx.stop.is_set():
            connection.request("GET", f"{path}?n={sent}")
            connection.getresponse().read()
            sent += 1
            ctx.record()
            if rate > 0:
                delay = started + sent / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
    finally:
        connection.close()
