"""Flask extensions, created unbound so the app factory can bind them.

This module imports nothing from peerkit: models and views import it, never the reverse.
"""

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints keep Alembic migrations deterministic on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
mail = Mail()  # settings are read when sending (peerkit/emails.py)
# Only sign-in is limited, by pseudonymised keys (peerkit/ratelimit.py); no default limit.
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")
# Text responses leave compressed (brotli or gzip); see peerkit.compress_response.
compress = Compress()
