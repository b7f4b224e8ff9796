"""The web page: verify a file, browse works and accounts (static files, no build step)."""
