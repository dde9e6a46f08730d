"""dossiers: the approval (akkoordverklaring): each approval as its own record tied to the dossier's content hash,
the links mailed to a parent, the student's comment on part B

Revision ID: dossiers_0013
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_approvals_dossier_id_dossiers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_dossier_approvals_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_approvals")),
    )
    with op.batch_alter_table("dossier_approvals", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_approvals_dossier", ["dossier_id", "at"], unique=False)

    op.create_table(
        "dossier_parent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_parent_requests_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_parent_requests")),
    )
    with op.batch_alter_table("dossier_parent_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_parent_requests_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "dossier_approval_comments",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_approval_comments_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_approval_comments")),
    )


def downgrade():
    op.drop_table("dossier_approval_comments")
    with op.batch_alter_table("dossier_parent_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_parent_requests_dossier_id"))
    op.drop_table("dossier_parent_requests")
    with op.batch_alter_table("dossier_approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_approvals_dossier")
    op.drop_table("dossier_approvals")
