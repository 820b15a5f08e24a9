"""Linking: items and indicators into shops, near-duplicate posts, graph queries, exports."""
