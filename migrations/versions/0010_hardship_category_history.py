"""A hardship file's category as it stood on any date.

``hardship_file.opened_category`` is the category a file was opened with; the category in force
on a day is the latest review's (``review_date`` on or before it, ties by id), else the opening
one, so a review never changes an earlier year's figures. ``hardship_file.category`` stays the
current category. The yearly report's covering index carries ``opened_category`` instead of
``category``. ``hardship_review`` and ``hardship_visit`` get ``batch_id`` (the import batch that
created the row, for ``import undo``).

What could not be known: the opening category was never stored. A file without reviews was
opened with the category it has now. A reviewed file's opening category was not stored: it is
taken to be what its first review found (the best we know), so the years before its first review
read that category. The current figures (today's state) do not change; earlier years now read
each review's category instead of today's. Rows already in the ledger have no batch: reviews and
visits imported before this revision could not come in by import, so none is lost.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CATEGORIES = "opened_category IN ('deep', 'relative', 'accident')"

# the earliest review's category (ties: lowest id), else the category the file has now
_BACKFILL = """
UPDATE hardship_file SET opened_category = COALESCE(
    (SELECT r.category FROM hardship_review r WHERE r.file_id = hardship_file.id
     ORDER BY r.review_date, r.id LIMIT 1),
    category)
"""


def upgrade() -> None:
    with op.batch_alter_table("hardship_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "opened_category",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=True,
            )
        )
    op.execute(_BACKFILL)
    with op.batch_alter_table("hardship_file", schema=None) as batch_op:
        batch_op.alter_column(
            "opened_category",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
            nullable=False,
        )
        batch_op.create_check_constraint(op.f("ck_hardship_file_opened_category"), _CATEGORIES)
        batch_op.drop_index("ix_hardship_file_opened_on_cover")
        batch_op.create_index(
            "ix_hardship_file_opened_on_cover",
            ["opened_on", "closed_on", "opened_category", "org_id"],
            unique=False,
        )

    for table in ("hardship_review", "hardship_visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "hardship_review":
                # covering, with the category: the year-end category is an index-only probe
                batch_op.drop_index("ix_hardship_review_file_id_review_date")
                batch_op.create_index(
                    "ix_hardship_review_file_day_cover",
                    ["file_id", "review_date", "id", "category"],
                    unique=False,
                )
            batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_batch_id_import_batch"),
                "import_batch",
                ["batch_id"],
                ["id"],
            )


def downgrade() -> None:
    for table in ("hardship_visit", "hardship_review"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_batch_id_import_batch"), type_="foreignkey"
            )
            batch_op.drop_column("batch_id")
            if table == "hardship_review":
                batch_op.drop_index("ix_hardship_review_file_day_cover")
                batch_op.create_index(
                    "ix_hardship_review_file_id_review_date",
                    ["file_id", "review_date"],
                    unique=False,
                )

    with op.batch_alter_table("hardship_file", schema=None) as batch_op:
        batch_op.drop_index("ix_hardship_file_opened_on_cover")
        batch_op.create_index(
            "ix_hardship_file_opened_on_cover",
            ["opened_on", "closed_on", "category", "org_id"],
            unique=False,
        )
        batch_op.drop_constraint(batch_op.f("ck_hardship_file_opened_category"), type_="check")
        batch_op.drop_column("opened_category")
