"""``python -m bench`` (``make bench``)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bench.command import add_arguments, run
from infra.logs import configure_logging


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args()
    configure_logging("WARNING", process="bench")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
