"""Entry point: `python -m pipeline report`."""
import sys

from pipeline.cli import main

sys.exit(main())
