"""Hard negative: a pool that grows to its cap late in the soak.

A connection pool opens one more connection (each with a 1 MiB buffer) every 1.5 s under rising
demand, up to its cap of 20, and then reuses them: the memory rises in steps for 30 s and is
flat after. Plateau: 30 s. Not a leak.

Runs forever; leakbench ends it.
"""

import itertools
import time

CAP = 20
pool = []

for tick in itertools.count():
    if len(pool) < CAP and tick % 15 == 0:
        pool.append(bytearray(b"x" * (1 << 20)))  # touched: resident
    conn = pool[tick % len(pool)]
    conn[tick % len(conn)] = tick % 256  # the pool is used
    time.sleep(0.1)
