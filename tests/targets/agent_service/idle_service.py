"""A Python service idle in a system call (a read of its stdin) until a line arrives."""

import sys
import time

sys.stdin.readline()
while True:
    time.sleep(0.1)
