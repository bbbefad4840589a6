"""Configuration: production refuses to start without a secret, development makes one once."""

import importlib

import pytest


def _reload_config(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("CROWDPLAN_INSTANCE", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import config

    return importlib.reload(config)


@pytest.fixture(autouse=True)
def _restore_config():
    yield
    import config

    importlib.reload(config)


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = _reload_config(monkeypatch, tmp_path, CROWDPLAN_ENV="production")
    from crowdplan import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config.ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_development_generates_a_key_once(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = _reload_config(monkeypatch, tmp_path)
    from crowdplan import create_app

    first = create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    second = create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_database_url_and_tiles_come_from_the_environment(monkeypatch, tmp_path):
    config = _reload_config(
        monkeypatch, tmp_path, DATABASE_URL="postgresql://db/x", CROWDPLAN_TILES="none"
    )
    assert config.Config.SQLALCHEMY_DATABASE_URI == "postgresql://db/x"
    assert config.Config.CROWDPLAN_TILES == "none"


def test_unknown_environment_name_is_refused(monkeypatch, tmp_path):
    config = _reload_config(monkeypatch, tmp_path, CROWDPLAN_ENV="staging")
    with pytest.raises(RuntimeError, match="CROWDPLAN_ENV"):
        config.config_from_env()


def test_production_refuses_to_start_without_data_keys(monkeypatch, tmp_path):
    monkeypatch.delenv("CROWDPLAN_DATA_KEYS", raising=False)
    config = _reload_config(monkeypatch, tmp_path, CROWDPLAN_ENV="production", SECRET_KEY="x" * 64)
    from crowdplan import create_app

    with pytest.raises(RuntimeError, match="CROWDPLAN_DATA_KEYS"):
        create_app(config.ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with pytest.raises(ValueError):
        create_app(
            config.ProductionConfig,
            SQLALCHEMY_DATABASE_URI="sqlite://",
            CROWDPLAN_DATA_KEYS="not-a-fernet-key",
        )


def test_development_generates_a_data_key_once(monkeypatch, tmp_path):
    monkeypatch.delenv("CROWDPLAN_DATA_KEYS", raising=False)
    config = _reload_config(monkeypatch, tmp_path)
    from crowdplan import create_app

    first = create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    second = create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert first.config["CROWDPLAN_DATA_KEYS"] == second.config["CROWDPLAN_DATA_KEYS"]
    assert (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600


def test_production_sends_hsts_and_secure_cookies(monkeypatch, tmp_path):
    from cryptography.fernet import Fernet

    config = _reload_config(
        monkeypatch,
        tmp_path,
        CROWDPLAN_ENV="production",
        SECRET_KEY="x" * 64,
        CROWDPLAN_DATA_KEYS=Fernet.generate_key().decode(),
    )
    from crowdplan import create_app

    app = create_app(config.ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    client = app.test_client()
    with client.get("/login", base_url="https://localhost") as page:
        assert page.status_code == 200
        hsts = page.headers["Strict-Transport-Security"]
        assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000
        cookies = page.headers.getlist("Set-Cookie")
        assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["X-Frame-Options"] == "DENY"
        script_src = page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        assert "'nonce-" in script_src and "unsafe-inline" not in script_src
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["SESSION_COOKIE_SECURE"]
    development = create_app(config.DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with development.test_client().get("/login") as dev:
        assert dev.status_code == 200 and "Strict-Transport-Security" not in dev.headers
