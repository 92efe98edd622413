"""hostctl — the staff command-line tool of a small web-hosting company."""

__version__ = "0.1.0"
