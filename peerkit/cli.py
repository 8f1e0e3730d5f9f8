"""`flask peerkit ...` commands for operators and for `make run`."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from . import demo, summaries
from .extensions import db
from .models import Organisation, User
from .vocab import PRODUCT_ROUTES, ROLES

peerkit_cli = AppGroup("peerkit", help="PeerKit operations.")


@peerkit_cli.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database has data.")
def load_demo(if_empty: bool) -> None:
    """Load the Northbridge demo area and print its logins."""
    if db.session.scalar(select(Organisation.id).limit(1)) is not None:
        if if_empty:
            click.echo("Demo data already loaded.")
            _print_logins(
                [
                    (u.username, u.role)
                    for u in db.session.scalars(
                        select(User).where(
                            User.username.in_(
                                ["admin", "commissioner", "coordinator", "peer1", "pharmacy1"]
                            )
                        )
                    )
                ]
            )
            return
        raise click.ClickException("The database is not empty; demo data goes in an empty one.")
    _print_logins(demo.load())


def _print_logins(logins) -> None:
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
    for username, role in logins:
        click.echo(f"  {username:<14} {ROLES[role]}")
    click.echo("")


@peerkit_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--organisation", "organisation_name", required=True)
@click.option("--name", "display_name", default=None)
@click.option(
    "--email",
    default=None,
    help="Their own address, where set-up links go (coordinators and admins).",
)
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
        raise click.ClickException(
            f"A {role} account needs --email: its set-up links are "
            "emailed to the person, never shown to anyone else."
        )
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        organisation=org,
        email=email,
    )
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


product_cli = AppGroup("product", help="The naloxone product catalogue.")
peerkit_cli.add_command(product_cli)


@product_cli.command("list")
def product_list() -> None:
    """List the catalogue: code, route, minimum age, status and name."""
    from .coordination.catalogue import products

    for product in products():
        age = f"{product.min_age}+" if product.min_age is not None else "any age"
        status = "active" if product.active else "retired"
        click.echo(f"{product.code:<20} {product.route:<6} {age:<8} {status:<8} {product.name}")


@product_cli.command("add")
@click.argument("code")
@click.option("--name", required=True, help="As on the pack, e.g. 'Nyxoid 1.8 mg nasal spray'.")
@click.option("--route", type=click.Choice(list(PRODUCT_ROUTES)), required=True)
@click.option("--dose", default="", help="One dose and when to repeat it.")
@click.option("--pack", default="", help="What one kit holds.")
@click.option(
    "--min-age",
    type=click.IntRange(0, 120),
    default=None,
    help="Licensed minimum age in years; leave out if there is none.",
)
@click.option("--description", default="")
def product_add(code, name, route, dose, pack, min_age, description) -> None:
    """Add a product to the catalogue (audited)."""
    from .coordination.catalogue import CatalogueError, add_product

    try:
        product = add_product(
            None, code, name, route, dose=dose, pack=pack, min_age=min_age, description=description
        )
    except CatalogueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Added {product.code}.")


@product_cli.command("retire")
@click.argument("code")
def product_retire(code) -> None:
    """Retire a product: no more deliveries of it; its history stays (audited)."""
    from .coordination.catalogue import product_by_code, retire_product

    product = product_by_code(code)
    if product is None:
        raise click.ClickException(
            f"No product with code {code!r}: see `flask peerkit product list`."
        )
    retire_product(None, product)
    db.session.commit()
    click.echo(f"Retired {product.code}: it can no longer be booked in.")


@peerkit_cli.command("vapid-keys")
def vapid_keys() -> None:
    """Print a new VAPID key pair for Web Push, as environment settings (docs/ALERTS.md)."""
    from .webpush import new_keys

    public, private = new_keys()
    click.echo(f"VAPID_PUBLIC_KEY={public}")
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo("VAPID_SUBJECT=mailto:you@your-service.example")


@peerkit_cli.command("make-sealing-key")
def make_sealing_key() -> None:
    """Print a new sealing key for FIELD_SEALING_KEYS, and its key id (docs/API.md)."""
    from .sealing import load_key, new_key

    key = new_key()
    click.echo(f"FIELD_SEALING_KEYS={key}")
    click.echo(f"# kid {load_key(key).kid}: put the new key FIRST, keep the old ones after it.")


@peerkit_cli.command("rebuild-summaries")
def rebuild_summaries() -> None:
    """Recompute the daily summaries from the records (after a bulk SQL change to them)."""
    counts = summaries.rebuild(db.session)
    db.session.commit()
    for table, rows in counts.items():
        click.echo(f"{table}: {rows} rows")


@peerkit_cli.command("apply-retention")
def apply_retention_command() -> None:
    """Erase recipient codes and free text past each area's retention period (daily)."""
    from .retention import apply_retention

    counts = apply_retention()
    db.session.commit()
    for area_id, area_counts in counts.items():
        click.echo(f"area {area_id}: " + ", ".join(f"{k} {v}" for k, v in area_counts.items()))


def register(app: Flask) -> None:
    """Attach the command group to `app`."""
    app.cli.add_command(peerkit_cli)
