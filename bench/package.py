"""The deployment package as ``chalice package`` builds it: sizes zipped and unzipped, files, largest parts.

With ``automatic_layer`` the dependencies go to a Lambda layer that is uploaded again only when
``requirements.txt`` changes; the function's own zip holds ``app.py`` and ``chalicelib`` alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from bench.support import ROOT_DIR

SITE = "python/lib/python3.11/site-packages/"


def _top(name: str) -> str:
    name = name.removeprefix(SITE)
    top = name.split("/", 1)[0]
    return top.split("-")[0] if top.endswith(".dist-info") else top.removesuffix(".py")


def report() -> str:
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
               "PYTHONDONTWRITEBYTECODE": "1"}
        for cache in (ROOT_DIR / "chalicelib").rglob("__pycache__"):  # as `make package` does
            shutil.rmtree(cache, ignore_errors=True)
        chalice = str(Path(sys.executable).with_name("chalice"))
        subprocess.run([chalice, "package", "--stage", "dev", out], cwd=ROOT_DIR, env=env, check=True,
                       capture_output=True)
        rows = ["| zip | files | unzipped | zipped | .pyc | tests / docs files |", "|---|---|---|---|---|---|"]
        parts: Counter[str] = Counter()
        zipped: Counter[str] = Counter()
        files: Counter[str] = Counter()
        total = [0, 0, 0]
        for path in sorted(Path(out).glob("*.zip")):
            entries = zipfile.ZipFile(path).infolist()
            unzipped = sum(e.file_size for e in entries)
            pyc = sum(1 for e in entries if e.filename.endswith(".pyc"))
            extra = sum(1 for e in entries if "/tests/" in e.filename or "/docs/" in e.filename)
            size = path.stat().st_size
            rows.append(f"| {path.name} | {len(entries)} | {unzipped / 1e6:.1f} MB | {size / 1e6:.1f} MB | {pyc} "
                        f"| {extra} |")
            total = [total[0] + len(entries), total[1] + unzipped, total[2] + path.stat().st_size]
            for e in entries:
                parts[_top(e.filename)] += e.file_size
                zipped[_top(e.filename)] += e.compress_size
                files[_top(e.filename)] += 1
        rows.append(f"| **total** | {total[0]} | **{total[1] / 1e6:.1f} MB** | **{total[2] / 1e6:.1f} MB** | | |")
    largest = ["| part | unzipped | zipped | files |", "|---|---|---|---|"]
    for name, size in parts.most_common(8):
        largest.append(f"| {name} | {size / 1e6:.2f} MB | {zipped[name] / 1e6:.2f} MB | {files[name]} |")
    return ("### Deployment package (`chalice package --stage dev`)\n\n" + "\n".join(rows) + "\n\n" +
            "\n".join(largest) + "\n")


if __name__ == "__main__":
    print(report())
