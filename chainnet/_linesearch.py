"""Strong-Wolfe line search with cubic interpolation, as torch.optim.LBFGS's ``_strong_wolfe`` (after minFunc).

Along a descent direction ``d`` from weights ``w`` the search looks for a step ``t`` with

    f(w + t·d) <= f(w) + c1·t·g·d          (sufficient decrease, Armijo)
    |g(w + t·d)·d| <= -c2·g·d               (curvature: the slope has flattened)

Phase one (``_bracket``) grows ``t`` by cubic extrapolation until a step satisfies both or an interval holding
such a step is found; phase two (``_zoom``) shrinks that interval by safeguarded cubic interpolation (Nocedal &
Wright 2006, algorithms 3.5 and 3.6). Each trial step costs one evaluation of the objective and its gradient.
The branches below are torch's, test for test, so a chainnet step equals a torch step to rounding.
"""

from __future__ import annotations

import math

import numpy as np


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """Minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to ``bounds``
    (default: the interval between x1 and x2); the interval's midpoint when the cubic has no minimum.

        d1 = g1 + g2 - 3(f1 - f2)/(x1 - x2);   d2 = √(d1² - g1·g2)
        x* = x2 - (x2 - x1)·(g2 + d2 - d1)/(g2 - g1 + 2·d2)      (for x1 <= x2)
    """
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    if x1 == x2:  # a collapsed interval has no cubic (torch divides by zero here)
        return (lo + hi) / 2.0
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0 or not math.isfinite(d2_square):
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_square)
    denominator = g2 - g1 + 2 * d2 if x1 <= x2 else g1 - g2 + 2 * d2
    if denominator == 0 or not math.isfinite(denominator):  # a flat stretch (f1 = f2, g1 = g2 = 0): no minimum
        return (lo + hi) / 2.0                              # (torch's tensors give nan here)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / denominator)
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / denominator)
    return min(max(x, lo), hi)


class Bracket:
    """Trial points ``(t, f, g, g·d)`` (one when the search is done, else the two ends of an interval),
    ``low`` the index of the one with the lower loss, ``done`` once the strong-Wolfe conditions hold, and
    ``ls_iter`` the evaluations made after the first."""

    def __init__(self, points: list, done: bool, ls_iter: int):
        self.points, self.done, self.ls_iter = points, done, ls_iter
        self.low = 0 if points[0][1] <= points[-1][1] else 1

    def __repr__(self) -> str:
        ts = ", ".join(f"{p[0]:.3g}" for p in self.points)
        return f"Bracket(t=[{ts}], done={self.done}, evaluations={self.ls_iter + 1})"


def strong_wolfe(phi, t: float, d: np.ndarray, f: float, g: np.ndarray, gtd: float, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25):
    """Step length along ``d`` (n,) from a point with loss ``f``, gradient ``g`` (n,) and slope ``gtd`` = g·d < 0,
    starting at the trial step ``t``. ``phi(t) -> (f, g, g·d)`` evaluates the objective at w + t·d (its
    gradient must be a fresh array). Returns ``(f_new, g_new, t, evaluations)``, at most ``max_ls + 1`` of them.
    """
    bracket = _bracket(phi, t, f, g, gtd, c1, c2, max_ls)
    if not bracket.done:
        _zoom(phi, bracket, float(np.abs(d).max()), f, gtd, c1, c2, tolerance_change, max_ls)
    t, f_new, g_new, _ = bracket.points[bracket.low]
    return f_new, g_new, t, bracket.ls_iter + 1


def _bracket(phi, t, f, g, gtd, c1, c2, max_ls) -> Bracket:
    """Phase one: extrapolate from t until the step is acceptable or an interval holding one is bracketed."""
    new = (t, *phi(t))
    prev = (0.0, f, g, gtd)
    for ls_iter in range(max_ls):
        t, f_new, _, gtd_new = new
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev[1]):
            return Bracket([prev, new], False, ls_iter)     # too far: the minimum lies between prev and t
        if abs(gtd_new) <= -c2 * gtd:
            return Bracket([new], True, ls_iter)            # strong-Wolfe conditions hold at t
        if gtd_new >= 0:
            return Bracket([prev, new], False, ls_iter)     # the slope turned: a minimum between prev and t
        t_next = cubic_interpolate(prev[0], prev[1], prev[3], t, f_new, gtd_new,
                                   bounds=(t + 0.01 * (t - prev[0]), t * 10))
        prev, new = new, (t_next, *phi(t_next))
    return Bracket([(0.0, f, g, gtd), new], False, max_ls)  # out of evaluations


def _zoom(phi, bracket: Bracket, d_norm, f, gtd, c1, c2, tolerance_change, max_ls) -> None:
    """Phase two: shrink the interval by cubic interpolation until the strong-Wolfe conditions hold, the
    interval is shorter than ``tolerance_change`` (in weight units) or the evaluations run out."""
    pts, low, high = bracket.points, bracket.low, 1 - bracket.low
    insufficient = False
    while not bracket.done and bracket.ls_iter < max_ls:
        if abs(pts[1][0] - pts[0][0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(pts[0][0], pts[0][1], pts[0][3], pts[1][0], pts[1][1], pts[1][3])
        t, insufficient = _safeguard(t, pts[0][0], pts[1][0], insufficient)
        new = (t, *phi(t))
        bracket.ls_iter += 1
        if new[1] > f + c1 * t * gtd or new[1] >= pts[low][1]:
            pts[high] = new                                  # not lower: t becomes the high end
            low, high = (0, 1) if pts[0][1] <= pts[1][1] else (1, 0)
            continue
        if abs(new[3]) <= -c2 * gtd:
            bracket.done = True
        elif new[3] * (pts[high][0] - pts[low][0]) >= 0:
            pts[high] = pts[low]                             # the minimum lies on the other side of t
        pts[low] = new
    bracket.low = low


def _safeguard(t, a, b, insufficient) -> tuple[float, bool]:
    """Keep t at least 10% of the interval [a, b] away from its ends; after two near-end tries in a row, or when
    t left the interval, move it to that 10% mark. Returns (t, whether this try was near an end)."""
    lo, hi = min(a, b), max(a, b)
    eps = 0.1 * (hi - lo)
    if min(hi - t, t - lo) >= eps:
        return t, False
    if insufficient or t >= hi or t <= lo:
        return (hi - eps if abs(t - hi) < abs(t - lo) else lo + eps), False
    return t, True
