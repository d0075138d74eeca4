"""What ``train()`` prints while it runs: the R6 trace lines and an optional tqdm bar, both on stderr.

    reporter = Reporter(total=500, trace=100, progress=False, task="classification")
    reporter.row(100, {"loss": 12.5, "accuracy": 0.96})   # prints "Iteration 100\tLoss 12.5\tAccuracy 0.96"
    reporter.close("Interrupted: kept the model as after iteration 137")
"""

from __future__ import annotations

import sys

from .errors import ArgumentError


def metric_name(task: str) -> str:
    """The history column a task scores by: ``accuracy`` (classification) or ``rmse`` (regression)."""
    return "accuracy" if task == "classification" else "rmse"


def tqdm_class():
    """tqdm's auto bar (a notebook widget in Jupyter, text elsewhere)."""
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - tqdm is a dependency
        raise ArgumentError("progress=True needs tqdm: pip install tqdm") from exc
    return tqdm


class Reporter:
    """Trace lines every ``trace`` iterations (0: none) and a bar over ``total`` iterations when ``progress``."""

    def __init__(self, total: int, trace: int, progress: bool, task: str):
        self.trace, self.metric = trace, metric_name(task)
        self.label = "RMSE" if self.metric == "rmse" else "Accuracy"
        self.bar = tqdm_class()(total=total, file=sys.stderr, leave=False) if progress else None

    def row(self, iteration: int, row: dict) -> None:
        """Report the finished ``iteration`` (counted across calls) and its history ``row``."""
        if self.trace and iteration % self.trace == 0:
            print(f"Iteration {iteration}\tLoss {row['loss']:.10g}\t{self.label} {row[self.metric]:.6g}",
                  file=sys.stderr)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{row['loss']:.4g}", **{self.metric: f"{row[self.metric]:.4g}"})

    def close(self, message: str | None = None) -> None:
        """Close the bar; print ``message`` (a line for the user: interrupted, best weights restored ...)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if message:
            print(message, file=sys.stderr)

    def __repr__(self) -> str:
        return f"Reporter(trace={self.trace}, progress={self.bar is not None})"
