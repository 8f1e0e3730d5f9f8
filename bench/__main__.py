"""Run the benchmarks named on the command line, or all of them (bench.BENCHMARKS)."""

import importlib
import sys
import time

from . import BENCHMARKS


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"--- bench.{name} took {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
