"""A plain Python service whose cache fills to its cap in a second, then stays there: no leak."""

import collections
import time

cache: collections.deque[bytearray] = collections.deque(maxlen=100)
while True:
    cache.append(bytearray(40_000))
    time.sleep(0.01)
