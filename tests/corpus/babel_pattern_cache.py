"""Babel 2.11.0: `babel.dates.parse_pattern` keeps every pattern it ever parsed in the module
global `_pattern_cache` (a plain dict, never evicted). A service that formats dates with a
pattern holding per-request text grows without bound. Babel 2.12.1 dropped the cache.

Runs forever; leakbench ends it.
"""

import datetime
import itertools
import time

from babel.dates import format_datetime

WHEN = datetime.datetime(2024, 5, 17, 12, 30)

for number in itertools.count():
    # A per-request label quoted into the pattern: each call parses a new pattern.
    format_datetime(WHEN, f"yyyy-MM-dd HH:mm 'request {number}'", locale="en_US")
    if number % 200 == 0:
        time.sleep(0.01)
