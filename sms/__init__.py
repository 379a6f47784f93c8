"""The SMS line (issue 3): keyword replies from the same menus.yaml. Not built yet."""
