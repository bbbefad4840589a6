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
