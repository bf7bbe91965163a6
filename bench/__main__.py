"""`python -m bench` (run from the repository root)."""

from __future__ import annotations

import sys

from bench.run import main

sys.exit(main())
