"""nh3 0.2.17 (Rust extension, PyO3 0.21.2): `nh3.clean` leaks on every call
(messense/nh3#49, bisected to the PyO3 0.21.1 -> 0.21.2 bump; fixed in nh3 0.2.18). A service
sanitising user HTML grows without bound.

Runs forever; leakbench ends it.
"""

import itertools
import time

import nh3

HTML = "".join(
    f"<p class='c{i}'>Hello <b>world</b> <a href='https://example.org/{i}' onclick='x()'>link</a>"
    f"<script>alert({i})</script></p>"
    for i in range(40)
)

for number in itertools.count():
    nh3.clean(HTML)
    if number % 20 == 0:
        time.sleep(0.002)
