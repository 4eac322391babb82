"""``python -m suite.sweep``: write the coverage table (docs/sweep-coverage.md) and print its totals."""

from __future__ import annotations

from suite.sweep.coverage import TABLE, totals, write

if __name__ == "__main__":
    write()
    print(f"wrote {TABLE.relative_to(TABLE.parents[1])}: " + ", ".join(f"{k} {v}" for k, v in totals().items()))
