"""A service that crashes hard (SIGKILL) after two seconds, mid-soak."""

import os
import signal
import time

time.sleep(2.0)
os.kill(os.getpid(), signal.SIGKILL)
