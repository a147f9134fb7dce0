"""``python -m genai_live``: the command line."""

from .cli import main

raise SystemExit(main())
