"""Adapters: the only code that knows an outside system's format (STYLE.md, "adapters at the
edge"). They turn what is outside into plain rows in hostctl's terms; ``core`` never imports
them, and decides."""
