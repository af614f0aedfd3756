"""``muster departments`` and ``muster users``: set up who works in Muster."""

import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from muster.cli.common import CLI_ACTOR, database_session, load_settings, run
from muster.events.schemas import Context
from muster.org import service as org_service
from muster.org.errors import MemberNotFound
from muster.org.roles import Role
from muster.org.schemas import MemberCreate, MemberPasswordSet

departments = typer.Typer(help="Departments (tenants).", no_args_is_help=True)
users = typer.Typer(help="Members and their logins.", no_args_is_help=True)


@departments.command("create")
def create_department(
    name: Annotated[str, typer.Option(help="Display name")],
    slug: Annotated[str, typer.Option(help="Short unique name used at login")],
    timezone: Annotated[
        str, typer.Option(help="IANA time zone, e.g. America/Chicago")
    ] = "UTC",
) -> None:
    """Create a department with an empty event chain."""
    settings = load_settings()

    async def work() -> str:
        async with database_session(settings) as session:
            department = await org_service.create_department(
                session, name=name, slug=slug, timezone=timezone, actor=CLI_ACTOR
            )
            return department.id

    department_id = run(work)
    print(f"department {slug} created ({department_id})")


@users.command("create")
def create_user(
    department: Annotated[str, typer.Option(help="Department slug")],
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(help="At least 8 characters")],
    role: Annotated[list[Role], typer.Option(help="Repeat for several roles")],
    name: Annotated[
        str | None, typer.Option(help="Display name (default: from email)")
    ] = None,
) -> None:
    """Create a member (or add an existing one) in a department."""
    settings = load_settings()
    data = MemberCreate(
        email=email, name=name or email.split("@")[0], password=password, roles=role
    )

    async def work() -> str:
        async with database_session(settings) as session:
            found = await org_service.get_department_by_slug(session, department)
            member, _ = await org_service.add_member(
                session, ctx=Context(found.id, CLI_ACTOR), data=data
            )
            return member.id

    member_id = run(work)
    print(f"member {data.email} is in {department} as {', '.join(role)} ({member_id})")


@users.command("set-password")
def set_password(
    department: Annotated[str, typer.Option(help="Department slug")],
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(help="At least 8 characters")],
) -> None:
    """Set a member's password (members an import created have none)."""
    settings = load_settings()
    try:
        data = MemberPasswordSet(password=password)
    except ValidationError as exc:
        print("error: a password has 8 to 256 characters", file=sys.stderr)
        raise typer.Exit(code=1) from exc

    async def work() -> None:
        async with database_session(settings) as session:
            found = await org_service.get_department_by_slug(session, department)
            member = await org_service.find_member_by_email(session, email)
            if member is None:
                raise MemberNotFound(f"no member {email} in {department}")
            await org_service.set_password(
                session,
                ctx=Context(found.id, CLI_ACTOR),
                member_id=member.id,
                password=data.password,
            )

    run(work)
    print(f"password of {email.lower()} in {department} is set")
