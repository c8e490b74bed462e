"""Prints the banner of a Node inspector bound to every interface, binds nothing, and waits.

leakbench must refuse such an inspector without ever connecting to it; this stand-in lets the
test check that without opening a real code-execution port beyond loopback.
"""

import sys
import time

print("Debugger listening on ws://0.0.0.0:9/00000000-0000-0000-0000-000000000000", flush=True)
print("For help, see: https://nodejs.org/en/docs/inspector", file=sys.stderr, flush=True)
time.sleep(60)
