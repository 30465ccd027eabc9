"""`python -m ahs_routing.cli`: the same command line as `ahs-routing`."""

import sys

from ahs_routing.cli.main import main

sys.exit(main())
