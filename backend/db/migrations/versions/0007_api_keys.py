"""hashed API keys

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "prefix", sa.String(length=16), nullable=False, comment="first characters, for display"
        ),
        sa.Column("key_hash", sa.String(length=64), nullable=False, comment="hex SHA-256"),
        sa.Column("created_at", sa.BigInteger(), nullable=False, comment="unix s"),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True, comment="unix s; NULL = active"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
