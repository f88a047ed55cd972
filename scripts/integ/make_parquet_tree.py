"""Write a small tree of real parquet files for the integration run (needs pyarrow).

    python3 make_parquet_tree.py --out <dir> --files <n>

Files go into two nested folders (one with a space in its name) so the run exercises the walk.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--files", required=True, type=int)
    args = parser.parse_args()
    for i in range(args.files):
        folder = args.out / ("part a" if i % 2 else "part-b") / f"{i % 3:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table({"id": list(range(i + 1)), "value": [f"row {j}" for j in range(i + 1)]})
        pq.write_table(table, folder / f"file-{i:04d}.parquet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
