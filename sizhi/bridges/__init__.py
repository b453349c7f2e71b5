"""Bridges between sibling domains that may not import each other (see the import-linter
layers): each module here reads and writes both sides through their own queries and actions.
No models."""
