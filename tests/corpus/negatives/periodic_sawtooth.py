"""Hard negative: a periodic sawtooth.

A batch buffer collects about 4 MB of records over 4 s, is flushed (cleared), and starts again:
the memory rises and falls with a 4 s period, around a constant level. Plateau: 4 s (one
period). Not a leak.

Runs forever; leakbench ends it.
"""

import itertools
import time

PERIOD = 4.0
batch = []
started = time.monotonic()

for number in itertools.count():
    batch.append((f"record {number} " * 50).encode())
    if time.monotonic() - started >= PERIOD:
        batch.clear()  # flushed
        started = time.monotonic()
    if number % 40 == 0:
        time.sleep(0.04)
