"""Benchmark: the xicun-2024-mid evaluation report through the portal vs bare WeasyPrint on the same HTML.

    python bench/bench_pdf.py [--runs 5]

Prints, side by side, the median render time and peak memory (max RSS) of
- "portal": what a download costs when nothing is cached: build the context from the database (selectors), render the
  template, fingerprint it, lay out the PDF through reports.pdf (static-only URL fetcher) and store it;
- "bare WeasyPrint": weasyprint.HTML(string=…).write_pdf() on the same HTML with the stylesheet inlined;
and the PDF's size. Goals on the 2-core machine: overhead ≤ 1.15×, median ≤ 3 s, PDF ≤ 2 MB. Exits 1 when a goal
is missed or Debian's libharfbuzz-subset0 is missing (without it WeasyPrint subsets fonts ~12× slower).

Each mode runs in its own process (peak memory is per process) after one warm-up render, against a throw-away
SQLite database loaded with the demo data.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = "xicun-2024-mid"
GOAL_OVERHEAD = 1.15
GOAL_MEDIAN_S = 3.0
GOAL_SIZE = 2 * 1024 * 1024


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings.base")
    import django

    django.setup()


def harfbuzz_subset_installed() -> str | None:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Status} ${Version}", "libharfbuzz-subset0"],
            capture_output=True, text=True, check=False,
        )
    except FileNotFoundError:
        return None
    return out.stdout.split()[-1] if out.returncode == 0 and "installed" in out.stdout else None


def prepare(workdir: Path) -> None:
    """Migrate a fresh SQLite database, load the demo data and write the report's HTML for the bare run."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from demo.loader import demo_load

    demo_load()
    from django.contrib.staticfiles import finders

    from reports import pdf
    from reports.pdf_services import report_source_for_code

    html = report_source_for_code(CODE).html()
    css = Path(finders.find(pdf.REPORT_STYLESHEET)).read_text(encoding="utf-8")
    link = f'<link rel="stylesheet" href="{pdf.STATIC_PREFIX}{pdf.REPORT_STYLESHEET}">'
    assert link in html, "the report links its stylesheet"
    (workdir / "bare.html").write_text(html.replace(link, f"<style>{css}</style>"), encoding="utf-8")


def run_mode(mode: str, runs: int, workdir: Path) -> dict:
    times: list[float] = []
    size = 0
    if mode == "portal":
        setup_django()
        from reports.models import RenderedReport
        from reports.pdf_services import rendered_report_fetch, report_source_for_code

        def once() -> int:
            RenderedReport.objects.all().delete()  # nothing cached: every run renders
            rendered, _ = rendered_report_fetch(source=report_source_for_code(CODE))
            return rendered.size
    else:
        import weasyprint

        html = (workdir / "bare.html").read_text(encoding="utf-8")

        def once() -> int:
            return len(weasyprint.HTML(string=html).write_pdf())

    once()  # warm-up: imports, fonts, caches
    for _ in range(runs):
        started = time.perf_counter()
        size = once()
        times.append(time.perf_counter() - started)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "peak_mb": peak_kb / 1024,
            "size": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", choices=["prepare", "portal", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.mode == "prepare":
        prepare(Path(args.workdir))
        return 0
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.runs, Path(args.workdir))))
        return 0

    harfbuzz = harfbuzz_subset_installed()
    print(f"libharfbuzz-subset0: {harfbuzz or 'NOT INSTALLED (apt-get install libharfbuzz-subset0)'}")
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_SETTINGS_MODULE": "evalportal.settings.base",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
        }
        prep = subprocess.run(
            [sys.executable, __file__, "--mode", "prepare", "--workdir", tmp], env=env, cwd=ROOT,
            capture_output=True, text=True,
        )
        if prep.returncode != 0:
            print(prep.stderr[-3000:])
            return 1
        results = {}
        for mode in ("portal", "bare"):
            out = subprocess.run(
                [sys.executable, __file__, "--mode", mode, "--runs", str(args.runs), "--workdir", tmp],
                env=env, cwd=ROOT, capture_output=True, text=True,
            )
            if out.returncode != 0:
                print(out.stderr[-3000:])
                return 1
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])

    portal, bare = results["portal"], results["bare"]
    overhead = portal["median"] / bare["median"]
    print(f"{CODE}: {args.runs} runs each after one warm-up, {os.cpu_count()} CPUs")
    print(f"{'':24}{'portal':>12}{'bare WeasyPrint':>18}")
    print(f"{'median render (s)':24}{portal['median']:>12.2f}{bare['median']:>18.2f}")
    print(f"{'min / max (s)':24}{portal['min']:>6.2f}/{portal['max']:<5.2f}{bare['min']:>12.2f}/{bare['max']:<5.2f}")
    print(f"{'peak memory (MB)':24}{portal['peak_mb']:>12.0f}{bare['peak_mb']:>18.0f}")
    print(f"{'PDF size (KB)':24}{portal['size'] / 1024:>12.0f}{bare['size'] / 1024:>18.0f}")
    goals = [
        (f"overhead {overhead:.2f}× ≤ {GOAL_OVERHEAD}×", overhead <= GOAL_OVERHEAD),
        (f"median {portal['median']:.2f} s ≤ {GOAL_MEDIAN_S} s", portal["median"] <= GOAL_MEDIAN_S),
        (f"size {portal['size'] / 1024 / 1024:.2f} MB ≤ 2 MB", portal["size"] <= GOAL_SIZE),
        ("libharfbuzz-subset0 installed", harfbuzz is not None),
    ]
    for label, ok in goals:
        print(f"  {'ok  ' if ok else 'MISS'} {label}")
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
