"""`make bench`: the numbers DESIGN.md and issue 18 budget, printed as the Markdown tables the README shows.

    python bench/bench.py --quick              # CI: cold start and AWS calls per operation (counts only)
    python bench/bench.py                      # everything (about 15-30 minutes on 2 cores)
    python bench/bench.py --only own_time,cost # some sections

Sections: cold start (``bench/cold_start.py``); AWS calls per operation (rows from every
``bench/ops_*.py`` module's ``OPERATIONS``, counted on the wire to an in-process moto); own time per
hot route beside a floor (``bench/own_time.py``); cost per operation (``bench/cost.py``, from the
counted calls); the deployment package (``bench/package.py``); a load run over the local stack
(``bench/load.py``); and sections some ops modules add with ``report()`` (e.g. report compilation).
Budgets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import Bench, CallCounter, Operation, forget_aws_clients, prepare_environment  # noqa: E402

QUICK = ("cold_start", "calls")
FULL = ("cold_start", "blueprints", "dependencies", "package", "calls", "own_time", "cost", "load", "reports")


def operation_modules() -> list[Any]:
    return [importlib.import_module(f"bench.{path.stem}") for path in sorted((ROOT / "bench").glob("ops_*.py"))]


def measure_operations(modules: list[Any]) -> list[dict[str, Any]]:
    """Every operation once, each in a fresh embedded AWS: its calls, capacity units, SMS and own time."""
    from aws_lambda_powertools.utilities import parameters
    from chalice.test import Client
    from moto import mock_aws

    from bench.own_time import AWS
    from bench.support import deployed_pepper
    from chalicelib import clock, stores, verification
    from local.channel_sandbox import ChannelSandbox
    from local.resources import create_resources

    counter = CallCounter()
    counter.install()
    AWS.install()
    rows = []
    for module in modules:
        for op in getattr(module, "OPERATIONS", []):
            assert isinstance(op, Operation)
            with mock_aws():
                forget_aws_clients()
                sandbox = ChannelSandbox().start()
                os.environ["GRAPH_API_BASE_URL"] = f"{sandbox.url}/graph"
                os.environ["LINE_API_BASE_URL"] = f"{sandbox.url}/line"
                try:
                    create_resources()
                    deployed_pepper()  # as a deployed stage has it (README: created once), not made on first use
                    parameters.clear_caches()  # type: ignore[no-untyped-call]
                    verification.forget_pepper()  # each operation runs in a fresh (moto) account
                    clock.reset()
                    from app import app

                    with Client(app, stage_name="local") as client:
                        created = stores.create_store("Bench Tea House", "TW", None, clock.now())
                        bench = Bench(client, created.store_id, created.admin_key, created.storefront_key,
                                      sandbox, counter)
                        state = op.setup(bench)
                        sandbox.outbox.clear()
                        with counter.counting():
                            AWS.reset()
                            started = time.perf_counter()
                            op.run(bench, state)
                            own_ms = (time.perf_counter() - started - AWS.seconds - AWS.gc_seconds) * 1000
                        outbound = len(sandbox.outbox.items())
                finally:
                    sandbox.stop()
                    forget_aws_clients()
            rows.append({"name": op.name, "budget": op.budget, "channel": outbound, "own_ms": own_ms,
                         "calls": {s: counter.by_service(s) for s in ("dynamodb", "sns", "ses", "s3", "ssm", "sqs")},
                         "scans": counter.scans(), "rru": counter.units["rru"], "wru": counter.units["wru"],
                         "sms_to": dict(counter.sms_to)})
    return rows


def calls_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| operation | DynamoDB | SNS | SES | S3 | SSM | SQS | channel HTTP | Scan | budget |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["calls"]
        lines.append(f"| {r['name']} | {c['dynamodb']} | {c['sns']} | {c['ses']} | {c['s3']} | {c['ssm']} | "
                     f"{c['sqs']} | {r['channel']} | {r['scans']} | {r['budget']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="cold start and AWS call counts only (CI)")
    parser.add_argument("--only", help=f"comma-separated sections of: {', '.join(FULL)}")
    args = parser.parse_args(argv)
    sections = args.only.split(",") if args.only else (QUICK if args.quick else FULL)
    prepare_environment()
    started = time.perf_counter()
    modules = operation_modules()

    from bench import cold_start

    if "cold_start" in sections:
        print("### Cold start\n")
        print(cold_start.ratio_table(runs=7 if args.quick else 9, repeats=1 if args.quick else 3))
    if "blueprints" in sections:
        print("### Cold start: each blueprint's first request (domain modules loaded after `import app`)\n")
        print(cold_start.blueprint_table())
    if "dependencies" in sections:
        print("### Import cost of each runtime dependency (fresh interpreter, on its own)\n")
        print(cold_start.dependency_table())
    if "package" in sections:
        from bench import package

        print(package.report())
    rows: list[dict[str, Any]] = []
    if "calls" in sections or "cost" in sections:
        rows = measure_operations(modules)
    if "calls" in sections:
        print("### AWS calls per operation\n")
        print(calls_table(rows))
    medians: dict[str, float] = {}
    if "own_time" in sections:
        from bench import own_time

        own_started = time.perf_counter()
        results = [own_time.measure(route) for route in own_time.HOT_ROUTES]
        print(own_time.report(results=results, started=own_started))
        medians = {name: own_time.p50(r.ours.own) for r in results for name in r.route.operations}
    if "cost" in sections:
        from bench import cost

        for row in rows:  # a median over many requests beats the one request of the calls table
            row["own_ms"] = medians.get(row["name"], row["own_ms"])
        print("### Cost (USD, us-east-1 list prices)\n")
        print(cost.table({r["name"]: cost.measured_from(r) for r in rows}))
        if not medians:
            print("_Own time per operation from one request each (run with own_time for medians)._\n")
    if "load" in sections:
        from bench import load

        print(load.report())
    if "reports" in sections:
        for module in modules:
            report = getattr(module, "report", None)
            if report is not None:
                forget_aws_clients()  # a report may run against its own moto server
                print(report())
    print(f"_bench ({', '.join(sections)}) took {time.perf_counter() - started:.0f} s on {machine()}, "
          f"Python {sys.version.split()[0]}_")
    return 0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), load average {load:.1f}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
