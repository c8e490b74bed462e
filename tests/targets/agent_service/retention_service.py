"""A service whose RSS rises only through allocator retention: each round allocates a larger
batch of temporary C buffers and frees them all. glibc is told never to give freed heap back
to the system (M_TRIM_THRESHOLD, as long-running services sometimes set to avoid trimming
costs), so RSS follows the largest batch so far while the bytes in use stay flat.

Each batch is atomic for the process's other threads, the agent's sampler among them: libc is
called through PyDLL, which keeps the GIL during the call (CDLL releases it), and the switch
interval is longer than a batch takes. A sampler that could run mid-batch would see a random
share of a batch that grows every round: in-use bytes that truly rise at the sampled instants,
which is why this target was sometimes, and rightly, labelled native growth on a loaded machine.
"""

import ctypes
import sys
import time

M_TRIM_THRESHOLD = -1
sys.setswitchinterval(2.0)  # longer than the largest batch of a run takes
libc = ctypes.PyDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
batch = 100
while True:
    buffers = (ctypes.c_void_p * batch)()  # one C array: no Python object per buffer
    for index in range(batch):
        buffers[index] = libc.malloc(8192)
        libc.memset(buffers[index], 1, 8192)
    for index in range(batch):
        libc.free(buffers[index])
    batch += 40
    time.sleep(0.005)
