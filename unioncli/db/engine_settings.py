"""Connection settings shared by the SQLAlchemy engine and the sqlite3 fast read path."""

# How long a terminal waits for another terminal's write to finish before giving up.
BUSY_TIMEOUT_MS = 15_000
