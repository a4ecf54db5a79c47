"""Keep every core busy, to run the tests on a loaded machine: a test that passes only on an
idle one is broken.

    .venv/bin/python tests/load.py 1800 &   # one spinning process per core, for 30 minutes
    make test
    kill %1                                 # or let it end on its own
"""

import multiprocessing
import os
import sys
import time


def spin(until: float) -> None:
    count = 0
    while time.monotonic() < until:
        count += 1


def main(seconds: float) -> None:
    until = time.monotonic() + seconds
    workers = [multiprocessing.Process(target=spin, args=(until,), daemon=True)
               for _ in range(os.cpu_count() or 1)]
    for w in workers:
        w.start()
    print(f"{len(workers)} processes keep the cores busy for {seconds:g} s", flush=True)
    for w in workers:
        w.join()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3600)
