"""``muster db``: schema migrations."""

import typer

from muster.cli.common import load_settings, run
from muster.core.db import create_engine
from muster.migrations.runner import head_revision, upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Migrate the database in MUSTER_DATABASE_URL to the newest schema."""
    settings = load_settings()

    async def work() -> None:
        engine = create_engine(settings)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    run(work)
    print(f"database at revision {head_revision()}")
