"""Cold start: what a fresh interpreter spends importing, measured in fresh interpreters.

- ``import app`` against ``import chalice.app, boto3, pynamodb.models`` alone (budget: <= 1.3x), pairs
  interleaved so that machine noise hits both alike; median wall time, and median CPU time (the
  process's own, which other processes on a shared machine disturb far less).
- Each blueprint's first request: after ``import app``, loading the domain modules its routes name
  (``chalicelib.api.lazy.load_all``), i.e. the import the first request of that area pays at most.
- Each runtime dependency's import on its own.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from bench.support import ROOT_DIR

BASELINE = "import chalice.app, boto3, pynamodb.models"
BLUEPRINTS = ("webhooks", "inbox", "binding", "accounts", "members", "search", "staff", "admin", "reports",
              "messages", "lifecycle", "pages", "consents")
DEPENDENCIES = {
    "chalice (chalice.app)": "import chalice.app",
    "boto3 (+ botocore)": "import boto3",
    "pynamodb (models)": "import pynamodb.models",
    "aws-lambda-powertools (Logger, first log)": "from aws_lambda_powertools import Logger",
    "phonenumberslite (parse + format)": "import phonenumbers; phonenumbers.parse('+886912345678')",
    "argon2-cffi (first hash check)": "import argon2",
    "tzdata (first ZoneInfo)": "import zoneinfo; zoneinfo.ZoneInfo('Asia/Taipei')",
    "segno (first QR code)": "import segno; segno.make('https://example.com/x').svg_inline()",
}
ENV = {"STAGE": "dev", "TABLE_PREFIX": "memberlink-dev", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}


def timed(statement: str, setup: str = "") -> tuple[float, float, str]:
    """(wall s, CPU s, printed extra) of ``statement`` in a fresh interpreter, after ``setup``."""
    code = (f"import sys, time\n{setup}\nw, c = time.perf_counter(), time.process_time()\n{statement}\n"
            "print(time.perf_counter() - w, time.process_time() - c, globals().get('extra', ''))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT_DIR, env=ENV, capture_output=True, text=True,
                         check=True)
    wall, cpu, *extra = out.stdout.strip().splitlines()[-1].split(" ", 2)
    return float(wall), float(cpu), (extra[0] if extra else "")


def ratio(runs: int) -> dict[str, float]:
    base_w, base_c, app_w, app_c = [], [], [], []
    for _ in range(runs):  # interleaved
        w, c, _ = timed(BASELINE)
        base_w.append(w)
        base_c.append(c)
        w, c, _ = timed("import app")
        app_w.append(w)
        app_c.append(c)
    med = statistics.median
    return {"base_wall": med(base_w), "app_wall": med(app_w), "base_cpu": med(base_c), "app_cpu": med(app_c),
            "ratio_wall": med(app_w) / med(base_w), "ratio_cpu": med(app_c) / med(base_c)}


def ratio_table(runs: int, repeats: int = 1) -> str:
    rows = ["| run | `import chalice.app, boto3, pynamodb.models` | `import app` | ratio (wall) | ratio (CPU) "
            "| budget |", "|---|---|---|---|---|---|"]
    for run in range(1, repeats + 1):
        r = ratio(runs)
        rows.append(f"| {run} | {r['base_wall'] * 1000:.0f} ms (CPU {r['base_cpu'] * 1000:.0f} ms) | "
                    f"{r['app_wall'] * 1000:.0f} ms (CPU {r['app_cpu'] * 1000:.0f} ms) | **{r['ratio_wall']:.2f}x** "
                    f"| {r['ratio_cpu']:.2f}x | <= 1.3x |")
    return (f"Median of {runs} fresh interpreters each, pairs interleaved.\n\n" + "\n".join(rows) + "\n")


def blueprint_table(runs: int = 5) -> str:
    rows = ["| blueprint | first request imports (median) | modules loaded |", "|---|---|---|"]
    for name in BLUEPRINTS:
        setup = (f"import app\nfrom chalicelib.api import {name} as bp\nfrom chalicelib.api.lazy import load_all\n"
                 "before = set(sys.modules)")
        statement = "load_all(bp)\nextra = len(set(sys.modules) - before)"
        samples = [timed(statement, setup) for _ in range(runs)]
        wall = statistics.median(s[0] for s in samples)
        rows.append(f"| `{name}` | {wall * 1000:.0f} ms | {samples[-1][2]} |")
    return "\n".join(rows) + "\n"


def dependency_table(runs: int = 5) -> str:
    rows = ["| dependency | import on its own (median wall / CPU) |", "|---|---|"]
    for name, statement in DEPENDENCIES.items():
        samples = [timed(statement) for _ in range(runs)]
        rows.append(f"| {name} | {statistics.median(s[0] for s in samples) * 1000:.0f} ms / "
                    f"{statistics.median(s[1] for s in samples) * 1000:.0f} ms |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(ratio_table(int(sys.argv[1]) if len(sys.argv) > 1 else 9, repeats=3))
    print(blueprint_table())
    print(dependency_table())
