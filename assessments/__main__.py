"""Entry point for `python -m assessments`; the commands live in cli.py."""

import sys

from assessments.cli import main

sys.exit(main())
