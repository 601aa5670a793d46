"""The plans domain: no Flask, SQLAlchemy or pika here."""
