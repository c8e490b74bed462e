"""A plain Python service that leaks about 40 KB per iteration, forever (a command target)."""

import time

held = []
while True:
    held.append(bytearray(40_000))
    time.sleep(0.01)
