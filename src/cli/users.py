"""`crm users …`: people who sign in to `crm serve`, and their role in each workspace."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from accounts.roles import Role
from cli.app import command_group
from cli.output import JSON_OPTION, emit, fail, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from accounts.users.models import Added, Membership, PasswordMail

app = command_group("People, their roles, invitations and password resets.", no_args_is_help=True)

WORKSPACE_OPTION = typer.Option(
    None,
    "--workspace",
    help="The workspace (id or name). Default: the one commands work in.",
    show_default=False,
)
ROLE_HELP = "viewer, editor, admin or owner."


def _sent(mail: PasswordMail) -> str:
    where = "by SMTP" if mail.sent_via == "smtp" else f"to the outbox: {mail.sent_via}"
    return f"sent {where}; the link works once, until {mail.expires_at:%Y-%m-%d %H:%M} UTC"


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise fail("--password-stdin: no password on stdin")
    return password


@app.command()
def add(
    email: str = typer.Argument(..., help="Their email; they sign in with it."),
    role: Role = typer.Option(..., "--role", help=ROLE_HELP),
    workspace: str = WORKSPACE_OPTION,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read their password from stdin (first line)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user to a workspace with a role. Without --password-stdin, a user with no password
    yet gets an invitation email with a link to set one."""

    password = _read_password() if password_stdin else None
    added = run(lambda client: client.users.add(email, role, workspace, password))

    def show(a: Added) -> None:
        stdout.print(
            f"Added {a.email} as {a.role.value} of workspace {a.workspace}", highlight=False
        )
        if a.invitation is not None:
            stdout.print(f"Invitation {_sent(a.invitation)}", highlight=False)

    emit(added, as_json, show)


@app.command("list")
def list_(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List a workspace's users and their roles (`invited`: no password set yet)."""

    members = run(lambda client: client.users.list_members(workspace))

    def show(items: list[Membership]) -> None:
        from rich.table import Table

        table = Table("email", "role", "status", "user id")
        for m in items:
            table.add_row(m.email, m.role.value, "invited" if m.pending else "active", m.user)
        stdout.print(table)

    emit(members, as_json, show)


@app.command()
def remove(
    email: str = typer.Argument(..., help="The user's email."),
    workspace: str = WORKSPACE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Take a user out of a workspace (the last owner stays). Their sessions there end."""

    gone = run(lambda client: client.users.remove(email, workspace))
    emit(
        gone,
        as_json,
        lambda m: stdout.print(f"Removed {m.email} from workspace {m.workspace}", highlight=False),
    )


@app.command()
def role(
    email: str = typer.Argument(..., help="The user's email."),
    new_role: Role = typer.Argument(..., metavar="ROLE", help=ROLE_HELP),
    workspace: str = WORKSPACE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a user's role in a workspace (the last owner stays owner)."""

    changed = run(lambda client: client.users.set_role(email, new_role, workspace))
    emit(
        changed,
        as_json,
        lambda m: stdout.print(
            f"{m.email} is now {m.role.value} of workspace {m.workspace}", highlight=False
        ),
    )


@app.command()
def reset(
    email: str = typer.Argument(..., help="The user's email."), as_json: bool = JSON_OPTION
) -> None:
    """Email a user a link to set a new password (the old one works until then)."""

    sent = run(lambda client: client.users.reset(email))
    emit(sent, as_json, lambda m: stdout.print(f"Reset link {_sent(m)}", highlight=False))
