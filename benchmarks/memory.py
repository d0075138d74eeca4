"""Peak memory of the large run, measured with ``tracemalloc`` in a fresh process (``run.py`` starts it).

numpy reports every array buffer it allocates to ``tracemalloc``, so the traced peak is the numpy and Python
memory the process held at its worst moment (interpreter and shared libraries not included). The budget is
what training cannot do without: the network's data (design matrix ``X`` and targets ``T``), its parameters,
and one batch's activations (every layer's output for ``batch_size`` rows).

    python benchmarks/memory.py float64 200000      # prints one JSON line
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import tracemalloc

import numpy as np


def large_frame(rows: int, predictors: int = 50, classes: int = 10, seed: int = 0):
    """``rows`` x ``predictors`` standard normals; the class is the argmax of a random linear map plus Gumbel
    noise (a multinomial logit), so there is something to learn."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, predictors))
    B = rng.standard_normal((predictors, classes))
    y = (X @ B + rng.gumbel(size=(rows, classes))).argmax(axis=1)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, predictors + 1)])
    frame["y"] = pd.Categorical.from_codes(y, categories=[f"c{k}" for k in range(classes)])
    return frame


def measure(dtype: str, rows: int, hidden=(256, 256), batch_size: int = 256) -> dict:
    from chainnet import NeuralNetwork

    frame = large_frame(rows)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    tracemalloc.start()
    net = NeuralNetwork("y ~ .", data=frame, hidden=list(hidden), activation="relu", seed=0, dtype=dtype)
    _, build_peak = tracemalloc.get_traced_memory()
    del frame
    gc.collect()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    net.train(1, optimizer="adam", batch_size=batch_size, learn_rate=1e-3, tolerance=0, trace=0)
    _, train_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    itemsize = np.dtype(dtype).itemsize
    data = net.X.nbytes + net._T.nbytes
    params = sum(W.nbytes for W in net.weights)
    activations = batch_size * sum(net.layer_sizes[1:]) * itemsize
    budget = data + params + activations
    return {"dtype": dtype, "rows": rows, "data_bytes": data, "param_bytes": params,
            "batch_activation_bytes": activations, "budget_bytes": budget,
            "held_before_train_bytes": before, "train_peak_bytes": train_peak,
            "train_peak_over_budget": train_peak / budget,
            "frame_bytes": frame_bytes, "build_peak_bytes": build_peak,
            "build_peak_over_frame": build_peak / frame_bytes,
            "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
