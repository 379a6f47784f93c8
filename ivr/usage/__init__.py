"""How the line is used, counted without personal data: the counts (rows), where they
are kept (SQLite in the instance folder, or Redis), and the report made from them."""
