"""Hard negative: a TTL cache.

Entries (about 1 KB each, 2,000 a second) live 8 s and are swept out once a second: the cache
holds ~16,000 entries once the first ones expire. Plateau: 9 s (the TTL plus one sweep). Not a
leak: its growth can only be judged past the TTL (issue 8 item 6).

Runs forever; leakbench ends it.
"""

import itertools
import time

TTL = 8.0
cache = {}
last_sweep = time.monotonic()

for number in itertools.count():
    now = time.monotonic()
    cache[number] = (now + TTL, (f"session {number} " * 60).encode())
    if now - last_sweep >= 1.0:
        for key in [k for k, (expires, _) in cache.items() if expires <= now]:
            del cache[key]
        last_sweep = now
    if number % 100 == 0:
        time.sleep(0.05)
