"""Quasi-Newton solvers on the flat weight vector: L-BFGS and BFGS, each iteration one direction and one
strong-Wolfe line search (``chainnet._linesearch``), as ``torch.optim.LBFGS(lr=1, max_iter=1, max_eval=25,
line_search_fn="strong_wolfe")`` does one ``step(closure)``.

One iteration at weights w with loss f and gradient g:

    stop ("gradient")        if max|g| <= tolerance_grad
    s = t·d,  y = g - g_prev                   (the last step and the change of gradient it caused)
    d = -H g                                   (H ≈ inverse Hessian, built from the pairs (s, y) with y·s > 1e-10)
    t = min(1, 1/Σ|g|)·lr on the first iteration, lr after;  stop ("loss change") if g·d > -tolerance_change
    t = strong_wolfe(t);  w ← w + t·d

L-BFGS keeps the last ``history_size`` pairs and applies H by the two-loop recursion with H0 = (y·s / y·y)·I
of the newest pair (Nocedal & Wright 2006, algorithm 7.4); BFGS keeps the dense n x n matrix H (algorithm 6.1).
The state is named numpy arrays only (0-d for scalars; the pairs with a leading pairs dimension and a 0-d
``count``), so a network saves, loads and continues it: ``train(5).train(7)`` equals ``train(12)``.

Convergence is reported in ``state["stop"]`` after each step (0: not converged; see ``STOP_REASONS``), by
torch's own tests: max|g| <= tolerance_grad ("gradient"); g·d, the largest change of a weight, or the change of
the loss below tolerance_change ("loss change"). With ``max_iter=1`` torch only acts on the first two at its next
call; chainnet stops training on all of them, as torch's inner loop (``max_iter > 1``) does.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._linesearch import strong_wolfe
from ._optimizer import Optimizer, count
from .errors import ArgumentError

STOP_REASONS = ("", "gradient", "loss change")  # state["stop"] indexes this table
_F8, _I8 = ((), np.dtype(np.float64)), ((), np.dtype(np.int64))  # 0-d float64 and int64 state entries
_GRADIENT, _LOSS_CHANGE = 1, 2


class QuasiNewton(Optimizer):
    """What L-BFGS and BFGS share: the iteration above; subclasses give the memory and ``direction``."""

    name = "quasi-newton"
    full_batch_only = True
    default_learn_rate = 1.0  # torch's lr: the full quasi-Newton step; a learn_rate given scales it  # a line search needs the same objective at every trial step
    max_eval = 25           # evaluations per iteration: the one at w and at most 24 trial steps

    def __init__(self, tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9):
        self.tolerance_grad = _tolerance("tolerance_grad", tolerance_grad, 1e-7)
        self.tolerance_change = _tolerance("tolerance_change", tolerance_change, 1e-9)

    non_negative = ("n_iter", "func_evals", "stop")

    def state_shapes(self, n: int, dtype) -> dict:
        """The state for n weights (zeros when fresh): ``t`` the steps taken (every chainnet optimizer counts
        them), torch's state (the last direction ``d``, its step length ``step_length`` (torch's ``t``), the last
        gradient and loss, ``n_iter``, ``func_evals``) and ``stop``, the convergence test that fired
        (``STOP_REASONS``)."""
        vector = ((n,), np.dtype(dtype))
        return {"t": _I8, "d": vector, "step_length": _F8, "prev_flat_grad": vector, "prev_loss": _F8,
                "n_iter": _I8, "func_evals": _I8, "stop": ((), np.dtype(np.int8))}

    def check_state(self, state: dict) -> None:
        super().check_state(state)
        if int(state["stop"]) >= len(STOP_REASONS):
            raise ValueError(f"optimizer state 'stop' is {int(state['stop'])}, not an index of {STOP_REASONS}")

    def step(self, state: dict, w: np.ndarray, g: np.ndarray, lr: float, loss: float, closure) -> None:
        """One iteration from w (n,) with gradient g (n,) and loss ``loss``; ``closure(w) -> (loss, g)``
        evaluates the full-batch objective for the line search. Updates w and ``state`` in place."""
        count(state, "t")
        count(state, "func_evals")
        state["stop"][()] = 0
        if _max_abs_at_most(g, self.tolerance_grad):
            state["stop"][()] = _GRADIENT            # first-order optimal: torch returns without a step
            return
        first = count(state, "n_iter") == 1
        self.direction(state, g, first)              # state["d"] = -H g
        d = state["d"]
        state["prev_flat_grad"][...] = g
        state["prev_loss"][()] = loss
        t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if first else lr
        gtd = float(g.dot(d))                        # slope along d
        if gtd > -self.tolerance_change:             # d is no longer a descent direction worth following
            state["step_length"][()], state["stop"][()] = t, _LOSS_CHANGE
            return
        f_new, g_new, t, evals = strong_wolfe(_along(closure, w, d), t, d, loss, g, gtd,
                                              tolerance_change=self.tolerance_change, max_ls=self.max_eval - 1)
        w += t * d
        state["step_length"][()] = t
        count(state, "func_evals", evals)
        state["stop"][()] = self._converged(g_new, d, t, f_new - loss)

    def _converged(self, g_new, d, t, change) -> int:
        """torch's tests after a line search: the new gradient, the loss change, the step's largest change."""
        if _max_abs_at_most(g_new, self.tolerance_grad):
            return _GRADIENT
        if abs(change) < self.tolerance_change or _max_abs_at_most(d, self.tolerance_change, abs(t)):
            return _LOSS_CHANGE
        return 0

    def stopped(self, state: dict) -> str | None:
        """The convergence test that fired at the last step ("gradient", "loss change"), or None."""
        return STOP_REASONS[int(state["stop"])] or None

    def direction(self, state: dict, g: np.ndarray, first: bool) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict:
        return {"tolerance_grad": self.tolerance_grad, "tolerance_change": self.tolerance_change}


class LBFGS(QuasiNewton):
    """Limited-memory BFGS (Liu & Nocedal 1989) with the ``history_size`` newest pairs (torch's algorithm)."""

    name = "lbfgs"

    def __init__(self, history_size: int = 10, tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9):
        super().__init__(tolerance_grad, tolerance_change)
        if not _is_int(history_size) or history_size < 1:
            raise ArgumentError(f"history_size must be a positive integer (the number of (s, y) pairs kept, "
                                f"e.g. 10), got {history_size!r}")
        self.history_size = int(history_size)

    non_negative = (*QuasiNewton.non_negative, "ro", "H_diag")  # y·s ratios: a pair is kept when y·s > 1e-10

    def state_shapes(self, n: int, dtype) -> dict:
        """Adds the pairs: ``old_dirs`` y (m, n), ``old_stps`` s (m, n), ``ro`` 1/(y·s) (m,), their ``count``,
        ``H_diag`` = y·s / y·y of the newest pair (1 when fresh), and torch's scratch ``al`` (m,)."""
        m = self.history_size
        pairs, per_pair = ((m, n), np.dtype(dtype)), ((m,), _F8[1])
        return {**super().state_shapes(n, dtype), "old_dirs": pairs, "old_stps": pairs, "ro": per_pair,
                "count": _I8, "H_diag": _F8, "al": per_pair}

    def init_state(self, n: int, dtype) -> dict:
        state = super().init_state(n, dtype)
        state["H_diag"][()] = 1.0
        return state

    def check_state(self, state: dict) -> None:
        """Also: the pair count in 0..history_size (the pairs used are ``old_stps[:count]``)."""
        super().check_state(state)
        count = int(state["count"])
        if not 0 <= count <= self.history_size:
            raise ValueError(f"optimizer state 'count' (pairs kept) is {count}, outside 0..{self.history_size} "
                             "(history_size)")

    def direction(self, state, g, first):
        d = state["d"]
        if first:
            np.negative(g, out=d)                    # steepest descent; the history starts empty
            state["count"][()], state["H_diag"][()] = 0, 1.0
            return
        self._remember(state, g)
        k = int(state["count"])
        S, Y = state["old_stps"][:k], state["old_dirs"][:k]
        state["al"][:k] = _two_loop(S, Y, state["ro"][:k], g, float(state["H_diag"]), d)

    def _remember(self, state, g) -> None:
        """Store the newest pair (s, y) when y·s > 1e-10 (curvature positive), dropping the oldest when full. y and
        s are formed in the last gradient's and direction's arrays, which the step overwrites next."""
        y = np.subtract(g, state["prev_flat_grad"], out=state["prev_flat_grad"])
        s = np.multiply(state["d"], state["step_length"].item(), out=state["d"])
        ys = float(y.dot(s))
        if ys <= 1e-10:
            return
        k, Y, S, ro = int(state["count"]), state["old_dirs"], state["old_stps"], state["ro"]
        if k == self.history_size:                   # shift the history by one (limited memory)
            Y[:-1], S[:-1], ro[:-1] = Y[1:], S[1:], ro[1:]
            k -= 1
        Y[k], S[k], ro[k] = y, s, 1.0 / ys
        state["count"][()] = k + 1
        state["H_diag"][()] = ys / float(y.dot(y))  # scale of H0: y·s / y·y

    def hyperparameters(self) -> dict:
        return {"history_size": self.history_size, **super().hyperparameters()}


class BFGS(QuasiNewton):
    """Full BFGS with the dense inverse Hessian H (n, n), as R's nnet (optim's BFGS) fits a network; for up to
    ``max_weights`` weights (H takes 8·n² bytes: 72 MB at 3,000), above which ``"lbfgs"`` is the solver.

    H starts as I, is scaled to (y·s / y·y)·I before the first update (Nocedal & Wright, eq. 6.20), then
    H ← (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ,  ρ = 1/(y·s), for every pair with y·s > 1e-10.
    """

    name = "bfgs"
    max_weights = 3000

    non_negative = (*QuasiNewton.non_negative, "count")

    def state_shapes(self, n: int, dtype) -> dict:
        if n > self.max_weights:
            raise ArgumentError(f"optimizer 'bfgs' keeps an n x n matrix and takes at most {self.max_weights} "
                                f"weights; this network has {n}: use optimizer='lbfgs'")
        return {**super().state_shapes(n, dtype), "H": ((n, n), np.dtype(dtype)), "count": _I8}

    def init_state(self, n: int, dtype) -> dict:
        state = super().init_state(n, dtype)
        np.fill_diagonal(state["H"], 1.0)            # H = I
        return state

    def direction(self, state, g, first):
        H = state["H"]
        if first:
            H[...] = np.eye(len(g))
            state["count"][...] = 0
        else:
            self._update(state, g - state["prev_flat_grad"], state["d"] * state["step_length"].item())
        np.dot(H, -g, out=state["d"])                # d = -H g

    @staticmethod
    def _update(state, y, s) -> None:
        """H ← H + (1 + ρ y·Hy)ρ s sᵀ - ρ(Hy sᵀ + s Hyᵀ): the product form above, expanded (H symmetric)."""
        ys = float(y.dot(s))
        if ys <= 1e-10:
            return
        H = state["H"]
        if int(state["count"]) == 0:
            H *= ys / float(y.dot(y))
        rho, Hy = 1.0 / ys, np.dot(H, y)
        U = np.stack([s, Hy], axis=1)                               # (n, 2)
        C = np.array([[(1.0 + rho * float(y.dot(Hy))) * rho, -rho], [-rho, 0.0]])
        H += np.dot(np.dot(U, C), U.T)                              # one rank-2 update
        state["count"] += 1


def _two_loop(S, Y, ro, g, H_diag, d):
    """d = -H g by L-BFGS's two-loop recursion (Nocedal & Wright, algorithm 7.4), torch's arithmetic:

        q = -g;  for i = k-1 .. 0:  α_i = ρ_i s_i·q,  q ← q - α_i y_i
        r = H_diag·q;  for i = 0 .. k-1:  β_i = ρ_i y_i·r,  r ← r + (α_i - β_i) s_i

    Each s_i·q and y_i·r is expanded over the pairs' inner products SY[i][j] = s_i·y_j (one k x k product), so
    the loops run over k Python floats and the n-vectors take four matrix-vector products instead of 4k calls."""
    k = len(ro)
    SY, ro = np.dot(S, Y.T).tolist(), ro.tolist()
    Sg = np.dot(S, g).tolist()
    al = [0.0] * k
    for i in range(k - 1, -1, -1):                             # α_i = ρ_i s_i·(-g - Σ_j>i α_j y_j)
        row, a = SY[i], -Sg[i]
        for j in range(i + 1, k):
            a -= row[j] * al[j]
        al[i] = a * ro[i]
    r = np.dot(al, Y)
    r += g
    r *= -H_diag                                               # r = H0 q = -H_diag (g + Σ α_i y_i)
    Yr = np.dot(Y, r).tolist()
    c = [0.0] * k                                              # c_i = α_i - β_i
    for i in range(k):                                         # β_i = ρ_i y_i·(r + Σ_j<i c_j s_j)
        b = Yr[i]
        for j in range(i):
            b += SY[j][i] * c[j]
        c[i] = al[i] - b * ro[i]
    np.add(r, np.dot(c, S), out=d)                             # d = r + Σ c_i s_i; returns the α_i
    return al


def _along(closure, w, d):
    """phi(t) -> (loss, gradient, slope) at w + t·d, the gradient copied (the line search keeps it)."""
    def phi(t):
        f, g = closure(w + t * d)
        g = g.copy()                                 # the closure may hand back a buffer it reuses
        return float(f), g, float(g.dot(d))
    return phi


def _max_abs_at_most(x: np.ndarray, bound: float, scale: float = 1.0) -> bool:
    """scale·max|x_i| <= bound, for x (n,). Since n·max x_i² >= x·x, scale²·x·x > 2n·bound² rules it out with one
    inner product (0.3 us) instead of the reduction (1.2 us); the factor 2 covers the rounding of x·x (relative
    error below n·ε < 1/2: float32 up to 8 million weights). Otherwise, or if x·x overflows, the maximum decides,
    as torch computes it."""
    if 2.0 * x.size * bound * bound < scale * scale * float(x.dot(x)) < math.inf:
        return False
    return scale * float(np.abs(x).max()) <= bound


def _tolerance(name: str, value, default: float) -> float:
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
            and value >= 0):
        raise ArgumentError(f"{name} must be a finite number >= 0 (default {default:g}; smaller runs longer), "
                            f"got {value!r}")
    return float(value)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
