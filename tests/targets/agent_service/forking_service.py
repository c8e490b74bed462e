"""A service that forks two workers; each fills its own cache, the parent only waits."""

import os
import time

from templating import formatting


def work(offset: int) -> None:
    key = offset
    while True:
        for _ in range(20):
            formatting.render(key)
            key += 1
        time.sleep(0.005)


for worker in range(2):
    if os.fork() == 0:
        work(worker * 10_000_000)
while True:
    time.sleep(1)
