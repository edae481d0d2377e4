"""`make bench`: run every bench/bench_*.py module's `main()` in turn and print its figures."""

import asyncio
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    only = sys.argv[1:]
    for name in names:
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        # A bench's own options are for running it alone; here each runs with its defaults.
        takes_argv = bool(inspect.signature(module.main).parameters)
        result = module.main([]) if takes_argv else module.main()
        if inspect.iscoroutine(result):
            asyncio.run(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
