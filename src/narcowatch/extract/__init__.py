"""Extractors: one per indicator type, each with its own clean/validate rules."""
