"""Benchmark: ``ipt-graph report`` on the largest bundled example against importing pyplot.

The floor is ``python -c "import matplotlib.pyplot"``: any command that draws a figure pays
for the interpreter and matplotlib at least. Both are run as fresh processes, alternately,
``--repeat`` times, and the best wall time of each is kept; the ratio report / floor is the
number to watch (the aim is at most 4). A second child process repeats the report in-process
with a clock around each stage: imports, validation (loading the case file), content (outcomes,
change, measures), each figure (drawing and SVG), rendering (Jinja2) and writing; the
interpreter's own start-up is the rest of the wall time. ``--pdf`` also times the PDF report.
Prints; never asserts on time.

Run: ``.venv/bin/python benchmarks/report.py [--repeat 5] [--pdf]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"

#: The child that times each stage of one report in-process.
STAGES = r"""
import json, sys, time
start = time.perf_counter()
marks = {}
def mark(name):
    global start
    now = time.perf_counter()
    marks[name] = now - start
    start = now
import ipt_graph, ipt_graph.plotting, ipt_graph.report, matplotlib.figure, jinja2
from ipt_graph.report import write_report
mark("imports")
client = ipt_graph.load(sys.argv[1])
mark("validation (load)")
timings = {}
write_report(client, sys.argv[2], timings=timings)
marks.update(timings)
print(json.dumps(marks))
"""


def _run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - start


def _report_command(case: Path, output: Path) -> tuple[list[str], str]:
    """The command timed: ``ipt-graph report`` when the command line has it."""
    from ipt_graph.cli import main as cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        has_report = cli(["report", "--help"]) == 0
    if has_report:
        script = Path(sys.executable).with_name("ipt-graph")
        argv = ([str(script)] if script.exists()
                else [sys.executable, "-c", "import sys; from ipt_graph.cli import main; "
                      "sys.exit(main())"])
        return [*argv, "report", str(case), "-o", str(output)], "ipt-graph report"
    code = ("import sys; from ipt_graph.report import report_files; "
            "[print(p) for p in report_files([sys.argv[1]], sys.argv[2])]")
    return ([sys.executable, "-c", code, str(case), str(output)],
            "report_files (the CLI has no 'report' command yet)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF report")
    args = parser.parse_args(argv)

    case = max(EXAMPLES.glob("*.json"), key=lambda path: path.stat().st_size)
    env = dict(os.environ, MPLBACKEND="Agg", IPT_GRAPH_PROGRESS="0")
    with tempfile.TemporaryDirectory() as folder:
        html = Path(folder) / "report.html"
        command, what = _report_command(case, html)
        floor_argv = [sys.executable, "-c", "import matplotlib.pyplot"]
        _run(floor_argv, env), _run(command, env)  # warm the file cache
        floors, reports = [], []
        for _ in range(args.repeat):
            floors.append(_run(floor_argv, env))
            reports.append(_run(command, env))
        floor, best = min(floors), min(reports)
        print(f"case: {case.relative_to(ROOT)} ({case.stat().st_size:,} bytes), "
              f"best of {args.repeat}")
        print(f"floor  python -c 'import matplotlib.pyplot': {floor:6.2f} s")
        print(f"report {what} -> HTML: {best:6.2f} s  ({html.stat().st_size:,} bytes)")
        print(f"ratio  report / floor: {best / floor:5.2f}x  (aim: <= 4x)")

        stage_runs = []
        for _ in range(min(args.repeat, 3)):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", STAGES, str(case), str(html)],
                                 check=True, env=env, capture_output=True, timeout=600)
            wall = time.perf_counter() - start
            stage_runs.append((wall, json.loads(out.stdout)))
        wall, stages = min(stage_runs, key=lambda run: run[0])
        print(f"\nstages (one in-process run, {wall:.2f} s wall):")
        print(f"  {'interpreter start-up and exit':<32}{wall - sum(stages.values()):7.3f} s")
        for name, seconds in stages.items():
            print(f"  {name:<32}{seconds:7.3f} s")

        if args.pdf:
            pdf = Path(folder) / "report.pdf"
            pdf_command, _ = _report_command(case, pdf)
            best_pdf = min(_run(pdf_command, env) for _ in range(max(1, args.repeat // 2)))
            print(f"\nreport -> PDF: {best_pdf:6.2f} s ({best_pdf / floor:.2f}x the floor, "
                  f"{pdf.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
