"""Learning-rate schedules: a factor multiplying ``learn_rate`` at each iteration.

``t`` counts iterations from 0 at the network's first training iteration, across chained ``train()`` calls;
``start`` and ``total`` are the first iteration and the length of the current call (used by ``Cosine``).
"""

from __future__ import annotations

import math
import numbers

from . import _checks as checks
from .errors import ArgumentError, ArgumentTypeError


class Schedule:
    def factor(self, t: int, start: int, total: int) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Step(Schedule):
    """factor^⌊t / every⌋: halve every 100 iterations by default."""

    def __init__(self, every: int = 100, factor: float = 0.5):
        if not (isinstance(every, int) and every >= 1):
            raise ArgumentError(f"Step(every=) must be a positive integer, got {every!r}")
        self.every, self.rate = every, checks.positive("Step(factor=)", factor)

    def factor(self, t, start, total):
        return self.rate ** (t // self.every)

    def __repr__(self) -> str:
        return f"Step(every={self.every!r}, factor={self.rate!r})"  # the constructor's names


class Exponential(Schedule):
    """rate^t: ×0.99 per iteration by default."""

    def __init__(self, rate: float = 0.99):
        self.rate = checks.positive("Exponential(rate=)", rate)

    def factor(self, t, start, total):
        return self.rate ** t


class Cosine(Schedule):
    """½(1 + cos(π·(t - start)/total)): from 1 down towards 0 over the call's iterations (Loshchilov & Hutter 2017)."""

    def factor(self, t, start, total):
        return 0.5 * (1.0 + math.cos(math.pi * (t - start) / total))


class Lambda(Schedule):
    """A user's callable ``t -> factor``."""

    def __init__(self, fn):
        self.fn = fn

    def factor(self, t, start, total):
        value = self.fn(t)
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
                and value >= 0):
            raise ArgumentError(f"the schedule {self.fn!r} returned {value!r} at iteration {t}; it must return a "
                                "finite factor >= 0 that multiplies learn_rate")
        return float(value)


SCHEDULES = {"step": Step, "exponential": Exponential, "cosine": Cosine}


def get_schedule(spec) -> Schedule | None:
    """``None``, a name, a schedule object or a callable ``iteration -> factor``."""
    if spec is None or isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        if spec not in SCHEDULES:
            raise ArgumentError(f"unknown schedule {spec!r}; known schedules are {sorted(SCHEDULES)}, "
                                "a chainnet.schedules object or a callable iteration -> factor")
        return SCHEDULES[spec]()
    if callable(spec):
        return Lambda(spec)
    raise ArgumentTypeError(f"schedule must be None, a name, a Schedule or a callable, got {type(spec).__name__}")
