"""The warehouse: the submission registry and the published tables, over SQLAlchemy."""
