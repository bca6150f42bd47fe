from alembic import op
def upgrade():
    op.execute("""
    UPDATE alerts
    SET options = jsonb_set(options, '{selector}', '"first"')
    WHERE options->>'selector' IS NULL;
    """)
