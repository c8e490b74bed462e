"""A Python service that renders a new key every few milliseconds and caches them all."""

import time

from templating import formatting

key = 0
while True:
    for _ in range(20):
        formatting.render(key)
        key += 1
    time.sleep(0.005)
