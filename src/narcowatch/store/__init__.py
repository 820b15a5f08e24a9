"""Storage: SQLAlchemy tables, engine and sessions, migrations, and the blob store."""
