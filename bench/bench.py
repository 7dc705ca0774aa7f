"""`make bench`: the numbers DESIGN.md budgets, printed as the Markdown table the README shows.

1. Cold start: ``import app`` in fresh interpreters against ``import chalice, boto3, pynamodb`` alone.
2. Per operation (rows come from every ``bench/ops_*.py`` module's ``OPERATIONS``): AWS calls by
   service and outbound channel HTTP calls, counted on the wire to an in-process moto.
3. Sections some modules add with ``report()`` (e.g. report compilation time and memory).
Budgets are reported, never asserted.
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import Bench, CallCounter, Operation, forget_aws_clients, prepare_environment  # noqa: E402

RUNS = 7


def import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {"STAGE": "dev", "TABLE_PREFIX": "memberlink-dev", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _deployed_pepper() -> None:
    import boto3

    from chalicelib import verification
    from chalicelib.config import settings

    boto3.client("ssm").put_parameter(Name=f"{settings().ssm_prefix}/{verification.PEPPER_PARAMETER}",
                                      Value="bench-pepper", Type="SecureString", Overwrite=True)


def cold_start() -> str:
    baseline, ours = [], []
    for _ in range(RUNS):  # interleaved so that machine noise hits both alike
        baseline.append(import_seconds("import chalice.app, boto3, pynamodb.models"))
        ours.append(import_seconds("import app"))
    base, app_ = statistics.median(baseline), statistics.median(ours)
    return ("| cold start | median of fresh interpreters | budget |\n|---|---|---|\n"
            f"| `import chalice.app, boto3, pynamodb.models` | {base * 1000:.0f} ms | |\n"
            f"| `import app` | {app_ * 1000:.0f} ms | |\n"
            f"| ratio | **{app_ / base:.2f}x** | <= 1.3x |\n")


def operation_modules() -> list[object]:
    return [importlib.import_module(f"bench.{path.stem}") for path in sorted((ROOT / "bench").glob("ops_*.py"))]


def operations_table(modules: list[object]) -> str:
    from aws_lambda_powertools.utilities import parameters
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import clock, stores, verification
    from local.channel_sandbox import ChannelSandbox
    from local.resources import create_resources

    counter = CallCounter()
    counter.install()
    rows = ["| operation | DynamoDB | SNS | SES | S3 | SSM | channel HTTP | Scan | budget |",
            "|---|---|---|---|---|---|---|---|---|"]
    for module in modules:
        for op in getattr(module, "OPERATIONS", []):
            assert isinstance(op, Operation)
            with mock_aws():
                sandbox = ChannelSandbox().start()
                import os

                os.environ["GRAPH_API_BASE_URL"] = f"{sandbox.url}/graph"
                os.environ["LINE_API_BASE_URL"] = f"{sandbox.url}/line"
                try:
                    create_resources()
                    _deployed_pepper()  # as a deployed stage has it (README: created once), not made on first use
                    parameters.clear_caches()
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
                            op.run(bench, state)
                        outbound = len(sandbox.outbox.items())
                finally:
                    sandbox.stop()
            rows.append(f"| {op.name} | {counter.by_service('dynamodb')} | {counter.by_service('sns')} | "
                        f"{counter.by_service('ses')} | {counter.by_service('s3')} | {counter.by_service('ssm')} | "
                        f"{outbound} | {counter.scans()} | {op.budget} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    # --quick (CI): cold start and calls per operation only; the long sections (reports, lifecycle at scale) on demand.
    quick = "--quick" in argv
    prepare_environment()
    started = time.perf_counter()
    modules = operation_modules()
    print("## Cold start\n")
    print(cold_start())
    print("## AWS calls per operation\n")
    print(operations_table(modules))
    for module in [] if quick else modules:
        report = getattr(module, "report", None)
        if report is not None:
            forget_aws_clients()  # a report may run against its own moto server
            print(report())
    print(f"_bench took {time.perf_counter() - started:.0f} s on {sys.platform}, Python {sys.version.split()[0]}_")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
