"""Undoing training: the state before a call, the state after the last finished iteration, the best iteration.

- ``Snapshot``: the whole state a ``train()`` call may change (weights, optimizer with its state and step
  count, generator, iteration, history, output, validation split). A call that raises restores it, so the
  network is bit-identical to before the call.
- ``Checkpoint``: the state after the last finished iteration, for Ctrl-C. It is written into a spare slot
  and the finished slot is named by one assignment, so an interrupt arriving while it is being written
  leaves the previous slot whole: a restore never mixes two iterations. A third slot keeps the iteration
  of the call's lowest loss for the blow-up rule (``pin``) without copying it.
- ``Best``: the state at the lowest validation loss, restored (weights, optimizer state, iteration, history,
  generator together) when training ends with validation data.

The optimizer state's arrays are views of one buffer (``packed``; the built-ins' ``init_state`` makes them so),
so each copy above is two array copies, the weights and that buffer, whatever the number of named arrays.
"""

from __future__ import annotations

import numpy as np

from ._optimizer import allocate


def packed(state: dict) -> tuple[dict, np.ndarray]:
    """(state, buffer): the optimizer state's arrays as views of one byte buffer (``_optimizer.allocate``'s
    layout), so that a copy of the state is one copy of the buffer. A state already so (a built-in's fresh state,
    or packed by an earlier call) is returned as it is; any other (loaded, unpickled, assigned) is copied into one."""
    first = next(iter(state.values()), None)
    buffer = None if first is None else first.base
    if isinstance(buffer, np.ndarray) and all(v.base is buffer for v in state.values()):
        return state, buffer            # every array's memory lies in the buffer: copying it copies the state
    views, buffer = allocate({k: (v.shape, v.dtype) for k, v in state.items()})
    for k, v in state.items():
        views[k][...] = v
    return views, buffer


class Snapshot:
    """Everything ``train()`` may change, copied before the call. ``since``: the first history row the call
    may remove (default the iteration it starts from: a call appends rows, and its rollbacks cut the history
    back to an iteration it reached, never below its start); the rows before it are left where they are, so a
    snapshot costs the same after a million iterations as after ten."""

    def __init__(self, net, since: int | None = None):
        self.net, self.params, self.optimizer, self.state = net, net.params.copy(), net.optimizer, None
        if net.optimizer_state is not None:     # the state's arrays (views of one buffer) and a copy of the buffer
            net.optimizer_state, buffer = packed(net.optimizer_state)
            self.state = (dict(net.optimizer_state), buffer, buffer.copy())
        self.rng, self.iteration, history = net.rng.bit_generator.state, net.iteration, net._history
        self.kept = min(len(history), net.iteration if since is None else since)
        self.rows = history[self.kept:]         # the rows the call may remove (usually none)
        self.output, self.split = net.output, net._split

    def restore(self) -> None:
        net = self.net
        np.copyto(net.params, self.params)
        net.optimizer, net.optimizer_state = self.optimizer, None
        if self.state is not None:
            views, buffer, values = self.state
            np.copyto(buffer, values)
            net.optimizer_state = dict(views)
        net.rng.bit_generator.state = self.rng
        net.iteration, net._history[self.kept:] = self.iteration, self.rows
        net.output, net._split = self.output, self.split

    def __repr__(self) -> str:
        return f"Snapshot(iteration={self.iteration}, parameters={self.params.size})"


class _Slot:
    """One copy of the parameters, the optimizer state (of ``state_buffer``, the ``packed`` buffer the state's
    arrays view), the iteration and (optionally) the generator's state."""

    def __init__(self, net, state_buffer: np.ndarray):
        self.params, self.state_buffer = np.empty_like(net.params), state_buffer
        self.state = np.empty_like(state_buffer)
        self.iteration, self.rng = 0, None

    def fill(self, net, draws: bool) -> None:
        self.params[...] = net.params             # copies into the slot's arrays (no allocation)
        self.state[...] = self.state_buffer
        self.iteration = net.iteration
        if draws or self.rng is None:
            self.rng = net.rng.bit_generator.state

    def put_back(self, net) -> None:
        np.copyto(net.params, self.params)
        np.copyto(self.state_buffer, self.state)
        net.iteration = self.iteration
        del net._history[self.iteration:]
        net.rng.bit_generator.state = self.rng


class Checkpoint:
    """The model after the last finished iteration, and one iteration kept aside on request. ``draws``: whether
    iterations draw from the generator (shuffling, dropout); when they do not, its state is read once.

    Three slots: the finished one (``current``), the one before it (``previous``) and the one ``pin()`` kept
    (the weights of the call's lowest loss, for ``convergence.Watch``). ``save`` writes into a slot that is
    neither the finished nor the pinned one, so keeping the lowest loss's weights costs no copy."""

    def __init__(self, net, draws: bool):
        self.net, self.draws = net, draws
        net.optimizer_state, self.state_buffer = packed(net.optimizer_state)   # the state, as views of one buffer
        self.slots = tuple(_Slot(net, self.state_buffer) for _ in range(3))
        self.current, self.previous, self.pinned = 0, 0, None
        self.slots[0].fill(net, True)

    def save(self) -> None:
        spare = (self.current + 1) % 3
        if spare == self.pinned:                # of three slots one is neither finished nor pinned
            spare = (spare + 1) % 3
        self.slots[spare].fill(self.net, self.draws)
        if not self.draws:
            self.slots[spare].rng = self.slots[self.current].rng
        self.previous, self.current = self.current, spare  # one store names the finished slot (Ctrl-C safe)

    def pin(self) -> None:
        """Keep the finished slot (until the next ``pin``): ``save`` will not overwrite it."""
        self.pinned = self.current

    def restore(self) -> None:
        self.slots[self.current].put_back(self.net)

    def restore_previous(self) -> None:
        """Back to the iteration before the last finished one (there is one once two have been saved)."""
        self.slots[self.previous].put_back(self.net)

    def restore_pinned(self) -> None:
        self.slots[self.pinned].put_back(self.net)

    def __repr__(self) -> str:
        return f"Checkpoint(iteration={self.slots[self.current].iteration})"


class Best:
    """The iteration with the lowest validation loss so far, and ``patience`` (None: never stop early)."""

    def __init__(self, net, patience: int | None, state_buffer: np.ndarray):
        self.net, self.patience, self.loss, self.slot, self.state_buffer = net, patience, np.inf, None, state_buffer

    def update(self, val_loss: float) -> None:
        if self.slot is None or val_loss < self.loss:
            self.slot = self.slot or _Slot(self.net, self.state_buffer)
            self.slot.fill(self.net, True)
            self.loss = val_loss

    def exhausted(self) -> bool:
        """Whether ``patience`` iterations have passed without a better validation loss."""
        return self.patience is not None and self.net.iteration - self.slot.iteration >= self.patience

    def restore(self) -> str | None:
        """Go back to the best iteration (when it is not the last); returns the line the trace prints."""
        if self.slot is None or self.slot.iteration == self.net.iteration:
            return None
        last = self.net.iteration
        self.slot.put_back(self.net)
        return (f"Restored the best weights, from iteration {self.slot.iteration} (val_loss {self.loss:.6g}); "
                f"iterations {self.slot.iteration + 1}-{last} are undone")

    def __repr__(self) -> str:
        return f"Best(val_loss={self.loss:.6g}, patience={self.patience})"
