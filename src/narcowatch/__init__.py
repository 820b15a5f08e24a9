"""narcowatch: find, analyse and act on online drug trade."""

__version__ = "0.1.0"
