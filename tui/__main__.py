"""``python -m tui``: the ``glide`` command line (see :mod:`tui.cli`)."""

import sys

from .cli import main

sys.exit(main())
