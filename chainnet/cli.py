"""The ``chainnet`` command line. User mistakes end in one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import sys

from .errors import ChainnetError


def _demo(args) -> None:
    from .demos import DEMOS

    for line in DEMOS[args.name](quick=args.quick):
        print(line)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainnet", description="Neural networks from scratch, R style.")
    sub = parser.add_subparsers(dest="command", required=True)
    from .demos import DEMOS

    demo = sub.add_parser("demo", help="train a network on bundled data and print its headline numbers")
    demo.add_argument("name", nargs="?", default="iris", choices=sorted(DEMOS))
    demo.add_argument("--quick", action="store_true", help="fewer iterations (for smoke tests)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ChainnetError as exc:
        print(f"chainnet: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
