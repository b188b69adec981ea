"""The ``ipt-graph`` command line. It only calls the public API.

Exit status: 0 on success, 1 on invalid input (one line per problem, no traceback),
2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import __version__
from .errors import IptGraphError, ValidationError
from .io.casefile import load

__all__ = ["main"]


def _case_files(paths: Sequence[str]) -> Iterator[Path]:
    """Each path, or the ``*.json`` case files in it when it is a folder, sorted."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(path.glob("*.json"))
        else:
            yield path


def _report(error: IptGraphError, path: Path) -> None:
    if isinstance(error, ValidationError):
        for line in error.lines():
            print(line, file=sys.stderr)
    else:
        message = str(error)
        print(message if message.startswith(str(path)) else f"{path}: {message}",
              file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for path in _case_files(args.files):
        try:
            load(path)
        except IptGraphError as error:
            _report(error, path)
            status = 1
        else:
            print(f"{path}: ok")
    return status


def _summary(args: argparse.Namespace) -> int:
    from .summary import summarize

    status = 0
    for path in _case_files(args.files):
        try:
            client = load(path)
        except IptGraphError as error:
            _report(error, path)
            status = 1
            continue
        print(summarize(client, redact=args.redact))
    return status


def _metrics(args: argparse.Namespace) -> int:
    import pandas as pd

    frames, status = [], 0
    for path in _case_files(args.paths):
        try:
            frames.append(load(path).metrics())
        except IptGraphError as error:
            _report(error, path)
            status = 1
    if status:
        return status
    if not frames:
        print("no case files found", file=sys.stderr)
        return 1
    table = pd.concat(frames, ignore_index=True)
    if args.output == "-":
        table.to_csv(sys.stdout, index=False)
    else:
        from .io.casefile import atomic_write

        atomic_write(Path(args.output), table.to_csv(index=False).encode("utf-8"))
        print(f"wrote {len(table)} rows ({len(frames)} clients) to {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipt-graph",
        description="Interpersonal inventories for IPT: validate, summarise and measure "
                    "case files.")
    parser.add_argument("--version", action="version", version=f"ipt-graph {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check case files; list every problem")
    validate.add_argument("files", nargs="+", metavar="FILE", help="case files or folders")
    validate.set_defaults(run=_validate)

    summary = commands.add_parser("summary", help="print a client's summary and measures")
    summary.add_argument("files", nargs="+", metavar="FILE", help="case files or folders")
    summary.add_argument("--redact", action="store_true",
                         help="show person ids and roles instead of labels")
    summary.set_defaults(run=_summary)

    metrics = commands.add_parser(
        "metrics", help="write every measure, one row per client x session, as CSV")
    metrics.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders")
    metrics.add_argument("-o", "--output", required=True, metavar="FILE",
                         help="CSV file to write ('-' for standard output)")
    metrics.set_defaults(run=_metrics)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: --help, --version and bad usage
        return int(exit_.code or 0)
    try:
        return args.run(args)
    except IptGraphError as error:
        print(f"ipt-graph: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"ipt-graph: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
