"""The team's labelled extraction set: a seeded generator of texts with known indicators."""
