"""`flask peerkit ...` commands for operators and for `make run`."""
import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from . import demo
from .extensions import db
from .models import Organisation, User
from .vocab import ROLES

peerkit_cli = AppGroup("peerkit", help="PeerKit operations.")


@peerkit_cli.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database has data.")
def load_demo(if_empty: bool) -> None:
    """Load the Northbridge demo area and print its logins."""
    if db.session.scalar(select(Organisation.id).limit(1)) is not None:
        if if_empty:
            click.echo("Demo data already loaded.")
            _print_logins([(u.username, u.role) for u in db.session.scalars(
                select(User).where(User.username.in_(["admin", "commissioner", "coordinator",
                                                      "peer1", "pharmacy1"])))])
            return
        raise click.ClickException("The database is not empty; demo data goes in an empty one.")
    _print_logins(demo.load())


def _print_logins(logins) -> None:
    click.echo("\nDemo logins (password for all: %s)" % demo.DEMO_PASSWORD)
    for username, role in logins:
        click.echo(f"  {username:<14} {ROLES[role]}")
    click.echo("")


@peerkit_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--organisation", "organisation_name", required=True)
@click.option("--name", "display_name", default=None)
@click.option("--email", default=None,
              help="Their own address, where set-up links go (coordinators and admins).")
@click.password_option()
def create_user(username, role, organisation_name, display_name, email, password) -> None:
    """Create an account in an existing organisation (for the first admin of a deployment)."""
    from .auth.passwords import password_problem
    from .auth.privilege import link_goes_by_email

    org = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
    if org is None:
        raise click.ClickException(f"No organisation named {organisation_name!r}.")
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    if link_goes_by_email(User(role=role)) and not email:
        raise click.ClickException(f"A {role} account needs --email: its set-up links are "
                                   "emailed to the person, never shown to anyone else.")
    user = User(username=username, display_name=display_name or username, role=role,
                organisation=org, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username} ({role}).")


@peerkit_cli.command("create-area")
@click.argument("name")
def create_area(name) -> None:
    """Create a commissioning area, the root organisation of a new deployment."""
    area = Organisation(name=name, kind="commissioning_area")
    db.session.add(area)
    db.session.flush()
    area.area_id = area.id
    db.session.commit()
    click.echo(f"Created commissioning area {name!r}.")


@peerkit_cli.command("enrol-device")
@click.argument("username")
@click.option("--label", default="Provisioned from the command line")
def enrol_device_command(username: str, label: str) -> None:
    """Enrol a device for USERNAME and print its token (scripted provisioning, tests)."""
    from .api.auth import FIELD_ROLES
    from .devices import enrol_device
    from .signing import make_device_token

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"No active account {username!r}.")
    if user.role not in FIELD_ROLES:
        raise click.ClickException("Only peer, pharmacy and coordinator accounts sync.")
    device = enrol_device(user, label)
    db.session.commit()
    click.echo(make_device_token(device))


def register(app: Flask) -> None:
    """Attach the command group to `app`."""
    app.cli.add_command(peerkit_cli)
