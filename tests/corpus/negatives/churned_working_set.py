"""Hard negative: a churned working set at its allocator high-water.

A fixed working set of 30,000 slots; each step replaces a random slot with a new object of a
random size (50 B to 3 KB, so both pymalloc and malloc serve them). The live bytes are constant
on average, but fragmentation makes RSS creep towards a high-water mark, ever more slowly as
the free lists cover every size. Plateau: about 15 s. Not a leak.

Runs forever; leakbench ends it.
"""

import itertools
import random
import time

rng = random.Random(8)
SLOTS = 30_000
working = [b"" for _ in range(SLOTS)]

for number in itertools.count():
    working[rng.randrange(SLOTS)] = bytes(rng.randrange(50, 3000))
    if number % 200 == 0:
        time.sleep(0.01)
