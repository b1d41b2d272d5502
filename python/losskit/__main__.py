"""`python -m losskit <command>`: the command-line tools of `losskit.cli`."""
import sys

from .cli import main

sys.exit(main())
