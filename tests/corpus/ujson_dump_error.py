"""ujson 5.12.0 (C extension): `ujson.dump` to a file whose `write` raises never releases the
serialized JSON string, leaking the whole payload per failed call (CVE-2026-44660, fixed in
ujson 5.12.1). A logger writing JSON to a broken pipe grows by every record it fails to write.

Runs forever; leakbench ends it.
"""

import contextlib
import itertools
import time

import ujson


class BrokenPipe:
    def write(self, text):
        raise BrokenPipeError("peer went away")


RECORD = {"event": "request", "path": "/api/items", "rows": list(range(200))}
PIPE = BrokenPipe()

for number in itertools.count():
    with contextlib.suppress(BrokenPipeError):
        ujson.dump(RECORD, PIPE)
    if number % 100 == 0:
        time.sleep(0.02)
