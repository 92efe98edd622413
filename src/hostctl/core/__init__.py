"""The business of hostctl. Never imports typer, rich or questionary."""
