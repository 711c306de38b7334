"""`python -m bot`, the same as `roadmap-bot`."""

from bot.cli import main

raise SystemExit(main())
