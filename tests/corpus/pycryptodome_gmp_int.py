"""pycryptodome 3.14.0: building a `Crypto.Math.Numbers.Integer` (the GMP backend, libgmp
through ctypes) from a non-zero int never clears its temporary mpz, so the limbs libgmp
malloc'd for it stay allocated: about the value's size in C memory per call, and no Python
object (Legrandin/pycryptodome#595, fixed in 3.14.1). RSA/ECC code that makes many Integers
grows without its Python heap growing, which is what native growth must be told from.

Needs libgmp on the system (without it pycryptodome falls back to pure Python, which does not
leak). Runs forever; leakbench ends it.
"""

import itertools
import time

from Crypto.Math.Numbers import Integer

VALUE = (1 << 2047) + 12345  # a 2048-bit modulus-sized int: 256 bytes of limbs leak per call

for number in itertools.count():
    Integer(VALUE)
    if number % 100 == 0:
        time.sleep(0.005)
