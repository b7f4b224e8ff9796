"""indexed block hashes for reorg rollback

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indexed_blocks",
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("contract", "block_number"),
    )
    op.create_table(
        "index_journal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column(
            "first_block",
            sa.BigInteger(),
            nullable=False,
            comment="the indexed range's first block",
        ),
        sa.Column(
            "last_block", sa.BigInteger(), nullable=False, comment="the indexed range's last block"
        ),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column(
            "operation", sa.String(length=8), nullable=False, comment="insert, update or delete"
        ),
        sa.Column("row_key", sa.Text(), nullable=False, comment="JSON: the row's primary key"),
        sa.Column("before", sa.Text(), nullable=True, comment="JSON: the old column values"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("index_journal", schema=None) as batch_op:
        batch_op.create_index("ix_index_journal_range", ["contract", "last_block"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("index_journal", schema=None) as batch_op:
        batch_op.drop_index("ix_index_journal_range")
    op.drop_table("index_journal")
    op.drop_table("indexed_blocks")
