"""tests/deploy/ reads files only: no database, broker or network."""
