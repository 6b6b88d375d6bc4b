"""`python -m assistants_events`: the command line."""

from .cli import main

raise SystemExit(main())
