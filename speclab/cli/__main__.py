"""`python -m speclab.cli`: the same as the `speclab` command."""

import sys

from . import main

sys.exit(main())
