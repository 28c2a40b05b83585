"""Entry point of the bundled command line, ``cityplanner-cli`` (installer/cityplanner.spec).

The same as the ``cityplanner`` console script of a pip install (``cityplanner.cli:main``), except
that the offline bundle leaves out what only ``cityplanner batch`` uses (dask.distributed and
matplotlib, for many units on a cluster): asking for it says so in one sentence.
"""

import sys

from cityplanner.cli import main

# Left out of the bundle (excludes in installer/cityplanner.spec).
NOT_BUNDLED = ("dask", "distributed", "matplotlib")


def run() -> int:
    try:
        return main()
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] not in NOT_BUNDLED:
            raise
        print(
            f"cityplanner-cli: error: this offline bundle has no {err.name.split('.')[0]}, which "
            "'cityplanner batch' needs; run batches from a pip install of CityPlanner "
            "(pip install cityplanner, or make test's .venv in a checkout).",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(run())
