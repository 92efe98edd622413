"""One Typer sub-app per noun. Commands parse, call core, render."""
