"""Register: imports, people, name keys, aids.

Revision ID: 0001_register
Revises: 

"""

from alembic import op
import sqlalchemy as sa


revision = '0001_register'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('sources', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('aids', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('report_path', sa.Text(), nullable=True),
    sa.Column('started_by', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_import'))
    )
    op.create_table('person',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('person_ref', sa.String(length=64), nullable=False),
    sa.Column('usage_name', sa.String(length=200), nullable=False),
    sa.Column('birth_name', sa.String(length=200), nullable=True),
    sa.Column('first_names', sa.String(length=300), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('birth_year', sa.SmallInteger(), nullable=False),
    sa.Column('birth_month', sa.SmallInteger(), nullable=False),
    sa.Column('birth_day', sa.SmallInteger(), nullable=False),
    sa.Column('first_name_keys', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('import_id', 'person_ref', name=op.f('uq_person_import_id_person_ref'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_birth', ['import_id', 'birth_year', 'birth_month', 'birth_day'], unique=False)

    op.create_table('register_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('active_import_id', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['active_import_id'], ['register_import.id'], name=op.f('fk_register_state_active_import_id_register_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_state'))
    )
    op.create_table('aid',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aid'))
    )
    with op.batch_alter_table('aid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aid_person_id'), ['person_id'], unique=False)

    op.create_table('person_name_key',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('birth_year', sa.SmallInteger(), nullable=False),
    sa.Column('birth_month', sa.SmallInteger(), nullable=False),
    sa.Column('birth_day', sa.SmallInteger(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'name_key', name=op.f('pk_person_name_key'))
    )
    with op.batch_alter_table('person_name_key', schema=None) as batch_op:
        batch_op.create_index('ix_person_name_key_lookup', ['name_key', 'import_id', 'birth_year', 'birth_month', 'birth_day', 'person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('person_name_key', schema=None) as batch_op:
        batch_op.drop_index('ix_person_name_key_lookup')

    op.drop_table('person_name_key')
    with op.batch_alter_table('aid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aid_person_id'))

    op.drop_table('aid')
    op.drop_table('register_state')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_birth')

    op.drop_table('person')
    op.drop_table('register_import')
