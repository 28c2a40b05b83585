"""Start the CityPlanner desktop application: ``python main.py [PROJECT.cityplan]``."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
