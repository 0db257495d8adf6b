"""Alembic environment for unioncli.

At run time unioncli passes its own connection in ``config.attributes["connection"]`` (see
``unioncli.db.migrate``). From a developer shell, ``alembic revision --autogenerate`` works on the
ledger named by ``--db``-style settings: ``UNIONCLI_DB`` / ``UNIONCLI_DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context

from unioncli.models import metadata

config = context.config
target_metadata = metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from unioncli.config import resolve_target
    from unioncli.db.engine import make_engine

    engine = make_engine(resolve_target(), for_migrations=True)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    raise SystemExit("unioncli migrations run online only")
run_migrations_online()
