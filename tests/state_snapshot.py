"""The whole state of a network as bytes and values (issue 9 §2's list), to prove a call left it bit-identical."""


def whole_state(net):
    """Everything a call may change: the flat weights and each layer's view, X, T, output, the optimizer and its
    state, the generator, iteration, history and the kept validation split."""
    st = net.optimizer_state
    return (net.params.tobytes(), [W.tobytes() for W in net.weights], net.X.tobytes(), net._T.tobytes(),
            None if net.output is None else net.output.tobytes(), net.optimizer,
            None if st is None else {k: v.tobytes() for k, v in st.items()}, net.rng.bit_generator.state,
            net.iteration, list(net._history), net._split)


def failing_at(monkeypatch, owner, name, k, exc=RuntimeError):
    """Make the k-th call of ``owner.name`` raise ``exc`` (the calls before it run as they would)."""
    calls, original = [0], getattr(owner, name)

    def wrapped(*a, **kw):
        calls[0] += 1
        if calls[0] == k:
            raise exc("injected")
        return original(*a, **kw)
    monkeypatch.setattr(owner, name, wrapped)
