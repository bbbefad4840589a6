"""Flask extensions, created once and bound to the app in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints keep Alembic migrations deterministic on both backends.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def _public_limit() -> str:
    from flask import current_app

    return current_app.config["PUBLIC_RATE_LIMIT"]


# Every route is limited per network address and route (PUBLIC_RATE_LIMIT) unless it declares
# its own limits where it applies (@limiter.limit); the API's are in crowdplan/api/auth.py.
# Storage is memory:// in development and Redis (REDIS_URL) when workers must share one count.
limiter = Limiter(key_func=get_remote_address, default_limits=[_public_limit])


def redis_client():
    """The app's Redis connection (REDIS_URL), or None: everything works without Redis."""
    from flask import current_app

    return current_app.extensions.get("crowdplan.redis")


def init_redis(app) -> None:
    """Connect lazily to REDIS_URL; short timeouts so a dead Redis degrades, never hangs."""
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        app.extensions["crowdplan.redis"] = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
        )
