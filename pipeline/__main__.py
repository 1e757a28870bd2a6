"""Entry point: `python -m pipeline report`."""
import sys

from pipeline.build.cli import main

sys.exit(main())
