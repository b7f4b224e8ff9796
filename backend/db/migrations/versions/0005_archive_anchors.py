"""archive Merkle anchors

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_anchors",
        sa.Column("archivist", sa.String(length=42), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False, comment="works declared (uint32)"),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("archivist", "root"),
    )
    op.create_table(
        "archives",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("archivist", sa.String(length=42), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "tree",
            sa.LargeBinary(),
            nullable=False,
            comment="32-byte nodes, OpenZeppelin StandardMerkleTree layout",
        ),
        sa.Column("submitted_at", sa.BigInteger(), nullable=False, comment="unix s"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("root"),
    )
    with op.batch_alter_table("archives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archives_archivist"), ["archivist"], unique=False)
    op.create_table(
        "archive_leaves",
        sa.Column("archive_id", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=66), nullable=False),
        sa.Column("metadata_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("archive_id", "leaf_index"),
    )
    with op.batch_alter_table("archive_leaves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_archive_leaves_content_hash"), ["content_hash"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("archive_leaves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_leaves_content_hash"))
    op.drop_table("archive_leaves")
    with op.batch_alter_table("archives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archives_archivist"))
    op.drop_table("archives")
    op.drop_table("archive_anchors")
