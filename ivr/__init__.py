"""The voice line: menu model, loading and validation, and the voice webhooks."""
