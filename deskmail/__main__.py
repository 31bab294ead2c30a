"""`python -m deskmail`: the same as the `deskmail` command."""

import sys

from deskmail.cli import main

sys.exit(main())
