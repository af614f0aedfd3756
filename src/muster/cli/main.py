"""The ``muster`` command: one entry point, sub-commands per area."""

import typer

from muster.cli import (
    after_action,
    archive,
    audit,
    db,
    demo,
    import_calls,
    org,
    serve,
    worker,
)

app = typer.Typer(
    help="Muster incident management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(org.departments, name="departments")
app.add_typer(org.users, name="users")
app.add_typer(audit.app, name="audit")
app.command("demo")(demo.demo)
app.command("export")(archive.export_department)
app.command("import")(archive.import_department)
app.command("import-calls")(import_calls.import_calls)
app.command("after-action")(after_action.after_action_command)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)


def main() -> None:
    app()
