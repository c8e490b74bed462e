"""Hard negative: pymalloc arenas pinned by a bounded deque (a rising sawtooth floor).

Every 0.25 s a burst of 150,000 small tuples is built and dropped; 100 of each burst survive in
a `deque(maxlen=8_000)`. Survivors scattered through the burst's arenas keep those arenas from
being returned, so the floor after each burst rises, until the deque is full (80 bursts, 20 s)
and old survivors are dropped as fast as new ones come: the floor flattens. Plateau: 20 s.
Not a leak.

Runs forever; leakbench ends it.
"""

import collections
import itertools
import time

survivors = collections.deque(maxlen=8_000)

for burst in itertools.count():
    objects = [(burst, i, float(i)) for i in range(150_000)]
    survivors.extend(objects[:: len(objects) // 100][:100])
    del objects
    time.sleep(0.25)
