"""write outbox and idempotency keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("id", sa.String(length=32), nullable=False, comment="uuid4 hex"),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column(
            "request_hash",
            sa.String(length=66),
            nullable=False,
            comment="what the key was first used for",
        ),
        sa.Column(
            "kind", sa.String(length=16), nullable=False, comment="register, batch or derivative"
        ),
        sa.Column("creator", sa.String(length=42), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, comment="JSON: the call's arguments"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=True),
        sa.Column("nonce", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("tx_hashes", sa.Text(), nullable=False, comment="JSON: every version sent"),
        sa.Column("raw_tx", sa.Text(), nullable=True, comment="0x signed bytes of tx_hash"),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("block_hash", sa.String(length=66), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_details", sa.Text(), nullable=True, comment="JSON"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operations_creator"), ["creator"], unique=False)
        batch_op.create_index(batch_op.f("ix_operations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_operations_updated_at"), ["updated_at"], unique=False)
    op.create_table(
        "operation_works",
        sa.Column("content_hash", sa.String(length=66), nullable=False),
        sa.Column("operation_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    with op.batch_alter_table("operation_works", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_operation_works_operation_id"), ["operation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("operation_works")
    op.drop_table("operations")
