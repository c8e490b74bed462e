"""A service that leaks C memory and no Python objects: malloc'd buffers, never freed."""

import ctypes
import time

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
while True:
    for _ in range(10):
        libc.memset(libc.malloc(4096), 1, 4096)  # touched, so it is resident
    time.sleep(0.005)
