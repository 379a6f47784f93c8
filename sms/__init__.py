"""The SMS line: keyword replies from the same menus.yaml. Its renderers (keywords,
segments, replies, checks) are pure; views and cookies are its webhook."""
