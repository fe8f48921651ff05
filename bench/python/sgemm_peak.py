"""NumPy's (OpenBLAS) float32 GEMM on a large square product: a measured proxy for the machine's FMA peak."""
import json
import time

import numpy as np

n = 2048
a = np.random.default_rng(1).random((n, n), dtype=np.float32)
b = np.random.default_rng(2).random((n, n), dtype=np.float32)
a @ b
reps, start = 0, time.perf_counter()
while time.perf_counter() - start < 2:
    a @ b
    reps += 1
print(json.dumps({"gflops": 2 * n**3 * reps / (time.perf_counter() - start) / 1e9}))
