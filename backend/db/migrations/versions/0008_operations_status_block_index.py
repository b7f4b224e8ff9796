"""operations indexed by status and block

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 07:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operations_status"))
        batch_op.create_index(
            "ix_operations_status_block", ["status", "block_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_status_block")
        batch_op.create_index(batch_op.f("ix_operations_status"), ["status"], unique=False)
