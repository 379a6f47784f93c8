"""The content model: menus.yaml read, checked field by field and between its parts, into
small immutable dataclasses. Imports nothing of the line above it."""
