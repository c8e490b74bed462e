"""multidict 6.6.0-6.6.3 (C extension): `MultiDict.pop`, `popall` and `del md[key]` leak
(aio-libs/multidict#1232, fixed in 6.6.4 by #1233). Moving headers from one dict to another with
`pop` grows without bound.

Runs forever; leakbench ends it.
"""

import itertools
import time

from multidict import MultiDict

KEYS = [f"X-Any-{i}" for i in range(100)]

for number in itertools.count():
    source = MultiDict({key: str(i) for i, key in enumerate(KEYS)})
    target = MultiDict()
    for key in KEYS:
        target[key] = source.pop(key)
    if number % 10 == 0:
        time.sleep(0.02)
