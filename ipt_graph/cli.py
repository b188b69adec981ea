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
from .io.mapping import RADIUS_SCHEMES

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
    from .cohort import Cohort

    clients = _load_all(args.paths)
    if clients is None:
        return 1
    table = Cohort.from_clients(clients).metrics()
    if args.output == "-":
        table.to_csv(sys.stdout, index=False)
    else:
        from .io.casefile import atomic_write

        atomic_write(Path(args.output), table.to_csv(index=False).encode("utf-8"))
        print(f"wrote {len(table)} rows ({len(clients)} clients) to {args.output}")
    return 0


def _save_imported(result, folder: Path) -> int:
    from .io.casefile import save
    from .progress import progress

    folder.mkdir(parents=True, exist_ok=True)
    for client in progress(result.clients, desc="writing case files", unit="client"):
        save(client, folder / f"{client.client_id}.json")
    print(result.report, file=sys.stderr)
    print(f"wrote {len(result.clients)} case files to {folder}")
    return 0


def _import_network_canvas(args: argparse.Namespace) -> int:
    from .io.graphml import read_network_canvas_graphml
    from .io.network_canvas import read_network_canvas

    reader = (read_network_canvas_graphml if Path(args.path).suffix.lower() == ".graphml"
              else read_network_canvas)
    result = reader(args.path, args.map, protocol=args.protocol,
                    aspect_ratio=args.aspect_ratio, radius_scheme=args.radius_scheme,
                    rings=args.rings, timezone=args.timezone, person_key=args.person_key)
    return _save_imported(result, Path(args.output))


def _import_egor(args: argparse.Namespace) -> int:
    from .io.egor import read_egor

    result = read_egor(args.egos, args.alters, args.aaties, ego_id=args.ego_id,
                       alter_id=args.alter_id, source=args.source, target=args.target,
                       sep=args.sep, decimal=args.decimal, mapping=args.map,
                       rings=args.rings, person_key=args.person_key)
    return _save_imported(result, Path(args.output))


def _load_all(paths: Sequence[str]) -> list | None:
    """Every case file, or None (after reporting each problem) when any is invalid."""
    from .progress import progress

    files = list(_case_files(paths))
    clients, failed = [], False
    for path in progress(files, desc="loading case files", unit="file"):
        try:
            clients.append(load(path))
        except IptGraphError as error:
            _report(error, path)
            failed = True
    if failed:
        return None
    if not clients:
        print("no case files found", file=sys.stderr)
        return None
    return clients


def _export(args: argparse.Namespace) -> int:
    if args.deidentify and args.include_text:
        print("ipt-graph export: --include-text and --deidentify exclude each other",
              file=sys.stderr)
        return 2
    if args.deidentify and not args.key_file:
        print("ipt-graph export: --deidentify needs --key-file KEY (make one with "
              "'ipt-graph key -o FILE', kept away from the exports)", file=sys.stderr)
        return 2
    clients = _load_all(args.paths)
    if clients is None:
        return 1
    folder = Path(args.output)
    if args.deidentify:
        return _export_deidentified(args, clients, folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if args.format == "json":
        from .io.casefile import save

        written = [save(c, folder / f"{c.client_id}.json") for c in clients]
    elif args.format == "graphml":
        from .io.graphml import write_graphml

        for client in clients:
            written += write_graphml(client, folder, labels=args.include_text)
    elif args.format == "egor":
        from .io.egor import write_egor

        written = list(write_egor(clients, folder, labels=args.include_text).values())
    else:
        from .cohort import Cohort

        cohort = Cohort.from_clients(clients, include_text=args.include_text)
        if args.format == "csv":
            written = cohort.to_csv(folder, include_text=args.include_text)
        elif args.format == "parquet":
            written = cohort.to_parquet(folder, include_text=args.include_text)
        else:
            written = [cohort.to_excel(folder / "cohort.xlsx", include_text=args.include_text)]
    print(f"wrote {len(written)} files ({len(clients)} clients) to {folder}")
    return 0


def _export_deidentified(args: argparse.Namespace, clients: list, folder: Path) -> int:
    from .privacy import deidentify, k_anonymity

    try:
        data = deidentify(clients, key=Path(args.key_file), dates=args.dates)
        report = k_anonymity(data, k=args.k)
        if args.suppress:
            data = report.apply(data)
        written = data.write(args.format, folder)
    except ValueError as error:  # a short key, or the key file inside the export folder
        if isinstance(error, IptGraphError):
            raise
        print(f"ipt-graph export: {error}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    if report.n_suppressed and not args.suppress:
        print("(those clients are in the export: add --suppress to leave them out)",
              file=sys.stderr)
    if args.dates == "days":
        print("note: days since the first session are derived from dates, so the export is "
              "not Safe Harbor de-identified (share it under a limited data set agreement or "
              "an expert determination)", file=sys.stderr)
    print(f"wrote {len(written)} de-identified files ({len(data)} clients) to {folder}")
    return 0


def _key(args: argparse.Namespace) -> int:
    from .privacy import new_key_file

    path = new_key_file(args.output)
    print(f"wrote a new key to {path}: keep it away from the exports, and back it up "
          "(without it the same pseudonyms can never be made again)")
    return 0


def _template(args: argparse.Namespace) -> int:
    from .io.excel import write_template

    client = load(args.case) if args.case else None
    print(f"wrote {write_template(args.output, client=client)}")
    return 0


def _import_excel(args: argparse.Namespace) -> int:
    from .io.casefile import save
    from .io.excel import read_excel

    client = read_excel(args.workbook)
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"wrote {save(client, folder / f'{client.client_id}.json')}")
    return 0


def _report_cases(args: argparse.Namespace) -> int:
    from .report import report_files

    sessions = None
    if args.sessions:
        try:
            sessions = [int(n) for n in args.sessions.split(",") if n.strip()]
        except ValueError:
            print("ipt-graph report: --sessions takes session numbers separated by commas, "
                  "e.g. 1,8,14", file=sys.stderr)
            return 2
    clients = _load_all(args.cases)
    if clients is None:
        return 1
    try:
        written = report_files(clients, args.output, formats=args.format,
                               redact=args.redact, sessions=sessions)
    except IptGraphError:
        raise
    except ValueError as error:  # usage: -o FILE.html for several cases, suffix vs --format
        print(f"ipt-graph report: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
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

    report = commands.add_parser(
        "report", help="write each client's report (HTML or PDF) for the chart")
    report.add_argument("cases", nargs="+", metavar="CASE", help="case files or folders")
    report.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="a .html or .pdf file (one case), or a folder: one report per "
                             "case and index.html")
    report.add_argument("--format", action="append", choices=["html", "pdf"],
                        help="for a folder: html (default) or pdf; give both for both")
    report.add_argument("--redact", action="store_true",
                        help="show person ids and roles instead of labels; leave out free "
                             "text")
    report.add_argument("--sessions", metavar="N,N,...",
                        help="the sessions whose circles are compared, e.g. 1,8,14 "
                             "(default: the baseline and the latest session)")
    report.set_defaults(run=_report_cases)

    metrics = commands.add_parser(
        "metrics", help="write every measure, one row per client x session, as CSV")
    metrics.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders")
    metrics.add_argument("-o", "--output", required=True, metavar="FILE",
                         help="CSV file to write ('-' for standard output)")
    metrics.set_defaults(run=_metrics)

    importer = commands.add_parser("import", help="read other tools' exports into case files")
    sources = importer.add_subparsers(dest="source", required=True, metavar="SOURCE")
    canvas = sources.add_parser(
        "network-canvas", help="a Network Canvas CSV export (folder or zip) or GraphML file")
    canvas.add_argument("path", metavar="PATH")
    canvas.add_argument("--map", required=True, metavar="MAP.toml",
                        help="which variables are ring, support, conflict, role, label...")
    canvas.add_argument("--protocol", metavar="FILE.netcanvas",
                        help="the interview protocol, for ordinal order and labels")
    canvas.add_argument("--aspect-ratio", type=float, default=1.0,
                        help="sociogram canvas width / height (default 1)")
    canvas.add_argument("--radius-scheme", default="equal", choices=sorted(RADIUS_SCHEMES),
                        help="radii of the sociogram's circles (default: equal increments)")
    canvas.add_argument("--timezone", default="UTC", help="for session dates (default UTC)")
    egor = sources.add_parser("egor", help="egor's three tables: egos, alters, aaties")
    egor.add_argument("egos")
    egor.add_argument("alters")
    egor.add_argument("aaties")
    egor.add_argument("--map", metavar="MAP.toml")
    egor.add_argument("--ego-id", default="egoID")
    egor.add_argument("--alter-id", default="alterID")
    egor.add_argument("--source", default="Source")
    egor.add_argument("--target", default="Target")
    egor.add_argument("--sep", help="field separator (default: sniffed, ',' or ';')")
    egor.add_argument("--decimal", help="decimal mark (default: ',' when sep is ';')")
    excel = sources.add_parser("excel", help="a filled-in inventory workbook (ipt-graph template)")
    excel.add_argument("workbook", metavar="FILE.xlsx")
    excel.add_argument("-o", "--output", required=True, metavar="DIR")
    excel.set_defaults(run=_import_excel)
    for sub, run in ((canvas, _import_network_canvas), (egor, _import_egor)):
        sub.add_argument("--rings", type=int, default=3)
        sub.add_argument("--person-key", metavar="VARIABLE",
                         help="links people across follow-up sessions")
        sub.add_argument("-o", "--output", required=True, metavar="DIR")
        sub.set_defaults(run=run)

    export = commands.add_parser("export", help="write case files in other formats")
    export.add_argument("format", choices=["csv", "parquet", "excel", "graphml", "egor", "json"])
    export.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders")
    export.add_argument("-o", "--output", required=True, metavar="DIR")
    export.add_argument("--include-text", action="store_true",
                        help="include labels and free text (identifying: off by default; json "
                             "case files always hold them)")
    export.add_argument("--deidentify", action="store_true",
                        help="pseudonyms from a keyed hash, no labels or free text, dates as "
                             "years (json: one document of tables, not case files)")
    export.add_argument("--key-file", metavar="KEY",
                        help="the pseudonymisation key (ipt-graph key -o KEY), kept outside DIR")
    export.add_argument("--dates", choices=["year", "days"], default="year",
                        help="with --deidentify: years (Safe Harbor, the default) or days "
                             "since the first session (not Safe Harbor)")
    export.add_argument("--k", type=int, default=5, metavar="K",
                        help="with --deidentify: the k-anonymity threshold (default 5)")
    export.add_argument("--suppress", action="store_true",
                        help="with --deidentify: leave out the clients k-anonymity suppresses")
    export.set_defaults(run=_export)

    key = commands.add_parser("key", help="write a new pseudonymisation key file (mode 0600)")
    key.add_argument("-o", "--output", required=True, metavar="FILE")
    key.set_defaults(run=_key)

    template = commands.add_parser("template", help="write an Excel workbook to fill in")
    template.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    template.add_argument("--from", dest="case", metavar="CASE",
                          help="pre-fill the workbook from a case file")
    template.set_defaults(run=_template)
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
