"""multidict 6.3.0-6.3.2 (C extension): building a CIMultiDict from str keys makes an `istr`
per key and leaks a reference to it (aio-libs/multidict#1131, fixed in 6.4.0 by #1133): every
header dict an HTTP client builds leaks its keys.

Runs forever; leakbench ends it.
"""

import itertools
import time

from multidict import CIMultiDict

for number in itertools.count():
    result = CIMultiDict()
    headers = CIMultiDict({f"X-Any-{i}": str(i) for i in range(10)})
    for key, value in headers.items():
        result.add(key, value)
    if number % 100 == 0:
        time.sleep(0.02)
