"""PeerKit: offline-first take-home naloxone distribution records."""

from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .extensions import compress, csrf, db, limiter, login_manager, mail, migrate

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
# An installed wheel carries templates/, pwa/ and migrations/ inside the package (the build's
# force-include, pyproject.toml); a checkout, editable install included, keeps them beside it.
INSTALLED = (PACKAGE_ROOT / "templates").is_dir()


def resource_dir(name: str) -> Path:
    """The folder `templates`, `pwa` or `migrations`, wherever this copy of PeerKit keeps it."""
    return (PACKAGE_ROOT if INSTALLED else PROJECT_ROOT) / name


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` replaces the environment-derived settings entirely."""
    app = Flask(
        __name__,
        # A checkout keeps its SQLite database under instance/; an installed wheel uses
        # Flask's own default (<prefix>/var/peerkit-instance), never site-packages.
        instance_path=None if INSTALLED else str(PROJECT_ROOT / "instance"),
        template_folder=str(resource_dir("templates")),
        static_folder=None,
    )
    app.config.from_object(config_module.BaseConfig)
    if test_config is None:
        app.config.update(config_module.from_environment(Path(app.instance_path)))
    else:
        app.config.update(test_config)
        app.config.setdefault("DEVICE_TOKEN_KEYS", [app.config["SECRET_KEY"]])
        if "FIELD_SEALING_KEYS" not in app.config:
            app.config["FIELD_SEALING_KEYS"] = [
                config_module.dev_sealing_key(Path(app.instance_path))
            ]
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url(
            app.config["SQLALCHEMY_DATABASE_URI"]
        )

    if app.config.get("TRUSTED_PROXIES"):
        # Behind N load balancers, the client address is the Nth from the right in
        # X-Forwarded-For; without this, every request would seem to come from the balancer.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=app.config["TRUSTED_PROXIES"]
        )
    from . import sealing  # not at the top: `python -m peerkit.sealing` runs it alone

    sealing.init_app(app)  # a malformed key stops the start, before any request
    register_extensions(app)
    register_blueprints(app)

    from . import cli, database, errors, logs, security, summaries, sync_feed  # noqa: F401  (flush hooks)

    if test_config is None:  # a server or command: tests keep pytest's log handlers
        logs.configure_logging(app.config["LOG_FORMAT"])
    logs.register(app)

    database.configure_sqlite(app)
    database.commit_at_request_boundary(app)
    errors.register(app)
    security.register(app)
    cli.register(app)
    from .clock import format_uk_date, format_uk_datetime

    app.jinja_env.filters["uk_datetime"] = format_uk_datetime
    app.jinja_env.filters["uk_date"] = format_uk_date
    return app


def register_extensions(app: Flask) -> None:
    """Bind the module-level extensions to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    from . import i18n

    i18n.init_app(app)
    compress.init_app(app)
    app.after_request(compress_response)
    from . import ratelimit  # registers the database storage scheme with limits

    app.config.setdefault("RATELIMIT_STORAGE_URI", ratelimit.STORAGE_URI)
    limiter.init_app(app)
    from .auth import access  # noqa: F401  (registers the user loader)


def compress_response(response):
    """Compress text responses (Flask-Compress), except server-rendered pages: a page that
    carries a CSRF token beside reflected input must not be compressed (BREACH). The app
    shell is static HTML, the same bytes for everyone, so it is compressed."""
    if response.mimetype == "text/html" and request.endpoint != "field.app_shell":
        return response
    if (
        response.is_streamed
        and response.mimetype in compress.compress_mimetypes_set
        and (response.content_length or 0) < 512_000
    ):
        # A small static file (send_file streams it): read it, so it is compressed whole,
        # with brotli or gzip, a Content-Length and an ETag a browser can revalidate.
        response.direct_passthrough = False
        stream = response.response
        data = response.get_data()
        if hasattr(stream, "close"):
            stream.close()  # the file
        response.set_data(data)
    return compress.after_request(response)


def register_blueprints(app: Flask) -> None:
    """One blueprint per area of the product."""
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .coordination import bp as coordination_bp
    from .field import bp as field_bp
    from .health import bp as health_bp
    from .monitoring import bp as monitoring_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(coordination_bp)
    app.register_blueprint(field_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(monitoring_bp)
