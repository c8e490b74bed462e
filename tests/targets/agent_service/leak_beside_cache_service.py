"""Two forked workers: one leaks into a list, the other fills an LRU cache far below its cap."""

import functools
import os
import time


@functools.lru_cache(maxsize=1_000_000)
def render(key: int) -> str:
    return f"<p>{key}</p>"


def leak() -> None:
    held = []
    while True:
        held.extend({"n": n} for n in range(20))
        time.sleep(0.005)


def fill() -> None:
    key = 0
    while True:
        for _ in range(10):
            render(key)
            key += 1
        time.sleep(0.005)


for work in (leak, fill):
    if os.fork() == 0:
        work()
while True:
    time.sleep(1)
