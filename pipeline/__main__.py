"""Entry point: `python -m pipeline report`."""
import sys

from pipeline.workflow.cli import main

sys.exit(main())
