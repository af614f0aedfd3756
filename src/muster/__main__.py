"""Allow ``python -m muster`` as a synonym for the ``muster`` command."""

from muster.cli.main import main

main()
