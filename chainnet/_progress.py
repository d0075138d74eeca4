"""What ``train()`` prints while it runs: the R6 trace lines and an optional tqdm bar, fitted to where it runs.

    reporter = Reporter(total=500, trace=100, progress=False, task="classification")
    reporter.row(100, {"loss": 12.5, "accuracy": 0.96})   # prints "Iteration 100\tLoss 12.5\tAccuracy 0.96"
    reporter.close("Interrupted: kept the model as after iteration 137")

In a terminal (anything that is not a Jupyter kernel) the trace goes to stderr as the R6 post prints it, fields
separated by tabs, and the bar is a tqdm text bar on stderr. In a notebook the trace is ordinary output (stdout,
not the pink stderr box) with the fields aligned by spaces, since tabs render ragged there; the bar is tqdm.auto's
widget when ipywidgets is installed, else one text bar on stdout that redraws in place.

Either way, trace lines go through the bar (``tqdm.write``) so that neither cuts into the other; the bar's postfix
(loss and metric) changes at most every ``POSTFIX_SECONDS`` and the bar redraws at most every ``MININTERVAL``
seconds (the postfix alone used to redraw it every iteration: thousands of outputs in a notebook); at the end the
bar stays, with the final loss.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings

from .errors import ArgumentError

#: seconds between two changes of the bar's postfix
POSTFIX_SECONDS = 0.25
#: seconds between two redraws of a text bar, by where it runs (a notebook stores every redraw it receives)
MININTERVAL = {"terminal": 0.1, "notebook": 0.5}


def metric_name(task: str) -> str:
    """The history column a task scores by: ``accuracy`` (classification) or ``rmse`` (regression)."""
    return "accuracy" if task == "classification" else "rmse"


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (tqdm's own test: an IPython shell started by IPKernelApp)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def tqdm_class():
    """tqdm.auto's bar: a widget in a notebook with ipywidgets, text elsewhere. Without ipywidgets tqdm.auto
    warns on stderr once and falls back to text; the fallback is what is wanted, so the warning is silenced."""
    try:
        from tqdm import TqdmWarning
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TqdmWarning)
            from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - tqdm is a dependency
        raise ArgumentError("progress=True needs tqdm: pip install tqdm") from exc
    return tqdm


def _widgets() -> bool:
    return importlib.util.find_spec("ipywidgets") is not None


class Reporter:
    """Trace lines every ``trace`` iterations (0: none) and a bar over ``total`` iterations when ``progress``."""

    def __init__(self, total: int, trace: int, progress: bool, task: str):
        self.trace, self.total, self.metric = trace, total, metric_name(task)
        self.label = "RMSE" if self.metric == "rmse" else "Accuracy"
        self.notebook = in_notebook()
        self.width, self.last, self.shown = None, None, -float("inf")
        self.bar = self._bar(total) if progress else None

    def _bar(self, total: int):
        where = "notebook" if self.notebook else "terminal"
        file = sys.stdout if self.notebook else sys.stderr
        options = {} if self.notebook and _widgets() else {"file": file, "mininterval": MININTERVAL[where]}
        return tqdm_class()(total=total, leave=True, **options)

    def row(self, iteration: int, row: dict) -> None:
        """Report the finished ``iteration`` (counted across calls) and its history ``row``."""
        self.last = row
        if self.trace and iteration % self.trace == 0:
            self._print(self._line(iteration, row))
        if self.bar is not None:
            now = time.monotonic()
            if now - self.shown >= POSTFIX_SECONDS:      # at most a few postfix changes a second
                self.bar.set_postfix(self._postfix(row), refresh=False)
                self.shown = now
            self.bar.update(1)

    def _line(self, iteration: int, row: dict) -> str:
        loss, metric = f"{row['loss']:.10g}", f"{row[self.metric]:.6g}"
        if not self.notebook:
            return f"Iteration {iteration}\tLoss {loss}\t{self.label} {metric}"
        if self.width is None:                          # wide enough for the last iteration of this call
            self.width = len(str(iteration - 1 + self.total))
        return f"Iteration {iteration:>{self.width}}  Loss {loss:<16}  {self.label} {metric}"

    def _postfix(self, row: dict) -> dict:
        return {"loss": f"{row['loss']:.4g}", self.metric: f"{row[self.metric]:.4g}"}

    def _print(self, line: str) -> None:
        file = sys.stdout if self.notebook else sys.stderr
        if self.bar is not None:
            self.bar.write(line, file=file)             # clears the bar, prints the line, redraws the bar
        else:
            print(line, file=file)

    def close(self, message: str | None = None) -> None:
        """Leave the bar showing the final loss; print ``message`` (interrupted, best weights restored ...)."""
        if self.bar is not None:
            if self.last is not None:
                self.bar.set_postfix(self._postfix(self.last), refresh=False)
            self.bar.close()
            self.bar = None
        if message:
            self._print(message)

    def __repr__(self) -> str:
        return f"Reporter(trace={self.trace}, progress={self.bar is not None}, notebook={self.notebook})"
