"""The wheel: every package found (no list written by hand), the search page's files and the
stopword lists inside, and a build log with no warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import REPO

pytestmark = pytest.mark.slow


def test_the_wheel_holds_the_page_and_the_stopwords_and_builds_without_a_warning(tmp_path: Path):
    source = tmp_path / "source"  # a copy of what git tracks, so that the build writes nothing into the checkout
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    # byte-compiling off (PYTHONDONTWRITEBYTECODE) makes distutils say so, which is not the build's doing
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(tmp_path / "wheel"), "-v"], capture_output=True, text=True, env=environment)
    assert build.returncode == 0, build.stderr
    log = build.stdout + build.stderr
    assert not [line for line in log.splitlines() if "warning" in line.lower()], log
    [wheel] = (tmp_path / "wheel").glob("scientia-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for page_file in (REPO / "engine" / "web").iterdir():
        assert f"scientia/engine/web/{page_file.name}" in names
    assert "scientia/indexers/analysis/stopwords.json" in names
    packages = {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}
    expected = {"scientia/" + init.parent.relative_to(REPO).as_posix()
                for folder in ("common", "engine", "indexers", "reasoners", "cli", "training", "evaluation", "benchmarks")
                for init in (REPO / folder).rglob("__init__.py")}
    assert packages == expected
    assert not any(name.startswith(("scientia/tests", "tests/", "scientia_titles")) for name in names)
