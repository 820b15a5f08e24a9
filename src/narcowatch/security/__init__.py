"""Users, roles, passwords, sessions, CSRF and the hash-chained audit log."""
