"""Pickling and deep-copying a ``NeuralNetwork`` (joblib, multiprocessing, ``copy.deepcopy``).

The layers ``W1, W2, ...`` and their gradients are views into two flat vectors (``params``, ``_grad``). pickle
and deepcopy copy each array on its own, so views would come back as separate arrays and training would update
``params`` while the forward pass read stale copies. The state therefore leaves the views out, and the pass
buffers (scratch space, made again on demand), and ``setstate`` makes the views again from the flat vectors.
Everything else (design, data, optimizer state, the generator, the history) is pickled as it is, so a copy
predicts the same and trains on bit-identically. The model *file* stays ``save()``'s npz, without pickle.
"""

from __future__ import annotations

#: attributes rebuilt by ``setstate`` instead of being pickled
DERIVED = ("_weights", "_grad_views", "_buffers")


def getstate(net) -> dict:
    """``__getstate__``: the instance dict without the views and the scratch buffers."""
    return {k: v for k, v in net.__dict__.items() if k not in DERIVED}


def setstate(net, state: dict) -> None:
    """``__setstate__``: the dict back, the layer and gradient views made again from the flat vectors."""
    net.__dict__.update(state)
    if state.get("params") is not None:
        net.__dict__.update(_weights=net._views(net.params), _grad_views=net._views(net._grad), _buffers={})
