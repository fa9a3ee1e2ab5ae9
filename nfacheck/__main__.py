"""``python -m nfacheck`` runs the CLI."""

from .cli import entry

entry()
