"""One RBM training epoch in scikit-learn or PyTorch, for bench/compare.ts.

usage: python3 rbm_epoch.py sklearn|torch cd|pcd IDX_PATH ROWS HIDDEN BATCH
Prints one JSON object: seconds, samples/s, peak RSS, threads. Uses float32 throughout.
"""
import json
import resource
import sys
import time

import numpy as np


def read_idx(path, rows):
    with open(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(data[3])]
    size = int(np.prod(dims[1:]))
    x = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims), count=rows * size)
    return (x.reshape(rows, size).astype(np.float32)) / np.float32(255)


def sklearn_epoch(x, method, hidden, batch):
    from sklearn.neural_network import BernoulliRBM

    if method != "pcd":
        raise SystemExit("scikit-learn's BernoulliRBM trains with PCD only")
    rbm = BernoulliRBM(n_components=hidden, learning_rate=0.05, batch_size=batch, n_iter=1, random_state=1)
    start = time.perf_counter()
    rbm.fit(x)
    seconds = time.perf_counter() - start
    assert rbm.components_.dtype == np.float32, "scikit-learn did not keep float32"
    return seconds


def torch_epoch(x, method, hidden, batch):
    import torch

    torch.manual_seed(1)
    torch.set_num_threads(2)
    v_all = torch.from_numpy(x)
    n_visible = v_all.shape[1]
    w = torch.randn(n_visible, hidden) * 0.01
    b = torch.zeros(n_visible)
    c = torch.zeros(hidden)
    chains = torch.bernoulli(v_all[:batch].clone())
    lr = 0.05
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, v_all.shape[0], batch):
            v0 = v_all[i : i + batch]
            ph0 = torch.sigmoid(v0 @ w + c)
            start_v = chains if method == "pcd" else v0
            h = torch.bernoulli(torch.sigmoid(start_v @ w + c)) if method == "pcd" else torch.bernoulli(ph0)
            v1 = torch.bernoulli(torch.sigmoid(h @ w.t() + b))
            ph1 = torch.sigmoid(v1 @ w + c)
            if method == "pcd":
                chains = v1
            w += lr * ((v0.t() @ ph0) / v0.shape[0] - (v1.t() @ ph1) / v1.shape[0])
            b += lr * (v0.mean(0) - v1.mean(0))
            c += lr * (ph0.mean(0) - ph1.mean(0))
    return time.perf_counter() - start


def main():
    system, method, path, rows, hidden, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    x = read_idx(path, rows)
    seconds = (sklearn_epoch if system == "sklearn" else torch_epoch)(x, method, hidden, batch)
    print(json.dumps({
        "system": system,
        "method": method,
        "seconds": seconds,
        "samplesPerSecond": rows / seconds,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
