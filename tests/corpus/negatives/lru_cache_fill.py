"""Hard negative: an LRU cache filling up to its cap.

`functools.lru_cache(maxsize=20_000)` over ever-new keys, about 2,000 new keys a second, each
value about 1 KB: the heap rises by ~2 MB/s for 10 s, then the cache evicts as fast as it adds.
Plateau: 10 s. Not a leak.

Runs forever; leakbench ends it.
"""

import functools
import itertools
import time


@functools.lru_cache(maxsize=20_000)
def render(key):
    return (f"row {key} " * 100).encode()


for number in itertools.count():
    render(number)
    if number % 100 == 0:
        time.sleep(0.05)
