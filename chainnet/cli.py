"""The ``chainnet`` command line. User mistakes end in one line on stderr and exit status 2, never a traceback.

    chainnet fit "Species ~ ." iris.csv --hidden 5 --iterations 2000 --optimizer adam --save iris.npz
    chainnet predict iris.npz new.csv --proba > predictions.csv
    chainnet info iris.npz
    chainnet demo iris
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from ._rverbs import TYPES
from .errors import ChainnetError, DivergedError


def _demo(args) -> None:
    from .demos import DEMOS

    for line in DEMOS[args.name](quick=args.quick):
        print(line)


def _hidden(text: str):
    """``5`` -> 5, ``10,5`` -> [10, 5], ``0`` -> no hidden layer."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of units or a list such as 10,5, got {text!r}") from None
    return sizes[0] if len(sizes) == 1 else sizes


def _count(text: str) -> int:
    """A whole number as R writes it: ``1000``, ``1e3``, ``1000.0``."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not value.is_integer() or value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 1000 or 1e3, got {text!r}")
    return int(value)


def _rates(text: str):
    """``0.2`` -> 0.2; ``0.2,0.1`` -> [0.2, 0.1] (one dropout rate per hidden layer)."""
    try:
        rates = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a rate such as 0.2 or one per layer such as 0.2,0.1, "
                                         f"got {text!r}") from None
    return rates[0] if len(rates) == 1 else rates


def _run(name):
    def run(args):
        from . import _commands as commands
        getattr(commands, name)(args)
    return run


def _add_fit(sub) -> None:
    from .activations import ACTIVATIONS
    from .optim import OPTIMIZERS

    fit = sub.add_parser("fit", help="train a network on a CSV file; trace on stderr, summary on stdout",
                         description="Train a network: FORMULA is R style ('Species ~ .', 'y ~ scale(x) + g'); "
                                     "text columns of the CSV are classes.")
    fit.add_argument("formula", metavar="FORMULA")
    fit.add_argument("data", metavar="DATA.csv")
    fit.add_argument("--hidden", type=_hidden, default=5, help="units per hidden layer: 5, or 10,5 (default 5)")
    fit.add_argument("--activation", default="sigmoid", choices=sorted(ACTIVATIONS))
    fit.add_argument("--iterations", type=_count, default=1000, help="passes over the data: 1000 or 1e3 "
                     "(default 1000)")
    fit.add_argument("--learn-rate", type=float, default=None,
                     help="step size (default: the optimizer's, 0.01; lbfgs and bfgs need none)")
    fit.add_argument("--optimizer", default=None, choices=sorted(OPTIMIZERS), help="default gd")
    fit.add_argument("--batch-size", type=_count, default=None, help="rows per update (default: all)")
    fit.add_argument("--seed", type=int, default=None, help="seed for reproducible runs")
    fit.add_argument("--standardize", action="store_true", help="centre and scale the numeric inputs")
    fit.add_argument("--tolerance", type=float, default=0.01, help="stop when the loss falls below (default 0.01)")
    fit.add_argument("--trace", type=_count, default=None, help="print every N iterations (default iterations/10)")
    fit.add_argument("--save", metavar="MODEL", help="write the trained model here (.npz, no pickle)")
    _add_r_habits(fit)
    fit.set_defaults(run=_run("fit"))


def _add_r_habits(fit) -> None:
    """The settings an R user passes to nnet/lm: weights, subset, decay, task, validation ..."""
    fit.add_argument("--quiet", action="store_true", help="no trace on stderr")
    fit.add_argument("--task", choices=["classification", "regression"], default=None,
                     help="default: classification for a text response, regression for numbers")
    fit.add_argument("--decay", type=float, default=0.0, help="L2 penalty decay*sum(w^2), as nnet's decay")
    fit.add_argument("--dropout", type=_rates, default=0.0, help="dropout rate, or one per layer: 0.2,0.1")
    fit.add_argument("--validation", metavar="FRACTION|VALID.csv", default=None,
                     help="hold out this fraction of the rows (0.2), or score this CSV file, each iteration")
    fit.add_argument("--patience", type=_count, default=None,
                     help="with --validation: stop after N iterations without a better validation loss")
    fit.add_argument("--weights", metavar="COLUMN", default=None,
                     help="case weights from this column (R's weights =); remove it from a '.' formula: '- w'")
    fit.add_argument("--subset", metavar="CONDITION", default=None,
                     help="train on the rows where this R condition holds: 'Sepal.Length > 5 & Species != \"setosa\"'")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainnet", description="Neural networks from scratch, R style. "
                                     "DATA.csv may be '-' for standard input.")
    parser.add_argument("--version", action="version", version=f"chainnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    from .demos import DEMOS

    _add_fit(sub)
    predict = sub.add_parser("predict", help="predict for the rows of a CSV file with a saved model",
                             description="Write the input's columns followed by the predictions, as CSV.")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--output", metavar="OUT.csv", help="write here instead of stdout")
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.add_argument("--type", choices=list(TYPES), default=None,
                         help="R's predict(type=): class or response (default), prob, raw (nnet's), link")
    predict.set_defaults(run=_run("predict"))
    info = sub.add_parser("info", help="summarise a saved model", description="Summarise a saved model.")
    info.add_argument("model", metavar="MODEL")
    info.set_defaults(run=_run("info"))
    demo = sub.add_parser("demo", help="train a network on bundled data and print its headline numbers")
    demo.add_argument("name", nargs="?", default="iris", choices=sorted(DEMOS))
    demo.add_argument("--quick", action="store_true", help="fewer iterations (for smoke tests)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ChainnetError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):  # `chainnet predict ... | head`: the reader left, not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        message = exc.strerror + f": {exc.filename}" if isinstance(exc, OSError) and exc.filename else \
            exc.shell if isinstance(exc, DivergedError) else exc     # DivergedError: the options' spellings
        print(f"chainnet: error: {message}", file=sys.stderr)
        return 2
    except MemoryError as exc:   # numpy's "Unable to allocate 74.5 GiB ...": the network or data is too large
        print(f"chainnet: error: out of memory ({exc}): use fewer hidden units, a batch size or less data",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
