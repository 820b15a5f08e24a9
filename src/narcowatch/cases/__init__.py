"""Act on findings: cases, evidence capture, custody, packages, blocking requests, re-checks."""
