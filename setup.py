"""Maps the repository's top-level folders to the ``scientia.*`` packages (setuptools' package-dir),
finding every package under them, so that no list of packages is written out by hand."""

from pathlib import Path

from setuptools import setup

# The folders that make the scientia package (tests/ and samples/ are not installed).
FOLDERS = ("common", "engine", "indexers", "reasoners", "cli", "training", "evaluation", "benchmarks")
# Folders of data only (no __init__.py) that ship with their package: the search page's files.
DATA_PACKAGES = ("engine/web",)

ROOT = Path(__file__).parent


def _packages() -> list[str]:
    found = [f"scientia.{folder}" for folder in FOLDERS]
    for folder in FOLDERS:
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            package = init.parent.relative_to(ROOT)
            if package.parts != (folder,):
                found.append("scientia." + ".".join(package.parts))
    return found + ["scientia." + ".".join(Path(data).parts) for data in DATA_PACKAGES]


setup(packages=_packages(), package_dir={f"scientia.{folder}": folder for folder in FOLDERS})
