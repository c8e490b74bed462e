"""A parent that starts two worker processes and waits: one worker leaks, the other does not.

Like a pre-fork server: the parent's own memory is flat; only `leaky_loop.py` grows.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
workers = [
    subprocess.Popen([sys.executable, str(HERE / "plateau_loop.py")]),
    subprocess.Popen([sys.executable, str(HERE / "leaky_loop.py")]),
]
for worker in workers:
    worker.wait()
