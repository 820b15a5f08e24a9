"""The ``narcowatch`` command: one module per command group, thin wrappers over the library."""
