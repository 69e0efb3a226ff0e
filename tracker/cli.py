"""Flask commands (thin: they call services)."""

import os

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import inspect, select

from tracker import demo as demo_data
from tracker.auth import services as auth_services
from tracker.auth.models import ROLES, User
from tracker.errors import DomainError
from tracker.extensions import db


def init_schema():
    """Create or upgrade the schema through the migrations; never drops data."""
    os.makedirs(current_app.instance_path, exist_ok=True)
    upgrade()


def register(app):
    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the database schema (migrations); never drops data."""
        init_schema()
        click.echo("database ready: " + db.engine.url.render_as_string(hide_password=True))

    @app.cli.command("demo")
    def demo():
        """Load the demo data set (refuses when the database already has work data)."""
        try:
            summary = demo_data.load()
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(summary)

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--display-name", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--supervisor", default=None)
    def create_user(username, role, display_name, password, supervisor):
        """Create a user."""
        try:
            user = auth_services.create_user({"username": username, "role": role, "display_name": display_name,
                                              "password": password, "supervisor": supervisor})
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"created {user.username} ({user.role})")

    @app.cli.command("is-empty", hidden=True)
    def is_empty():
        """Exit 0 when the database has no users (used by make run to decide on demo data)."""
        if "users" not in inspect(db.engine).get_table_names() or db.session.scalar(select(User.id).limit(1)) is None:
            return
        raise SystemExit(1)
