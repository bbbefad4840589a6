"""The schema comes only from migrations; from empty they match the models on both backends."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from config import TestingConfig
from crowdplan import create_app
from crowdplan.extensions import db
from tests.conftest import make_database


@pytest.fixture
def empty_app(backend, tmp_path):
    generator = make_database(backend, tmp_path)
    url = next(generator)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    yield app
    with app.app_context():
        db.engine.dispose()
    generator.close()


def test_upgrade_from_empty_matches_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": _include_object, "compare_type": True}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        tables = set(inspect(db.engine).get_table_names())
        assert {"areas", "departments", "topics", "users", "alembic_version"} <= tables


def test_downgrade_to_empty_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert "areas" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "areas" in inspect(db.engine).get_table_names()


def _include_object(obj, name, type_, reflected, compare_to):
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
