"""The team's training corpus: a seeded generator over hand-written template families."""
