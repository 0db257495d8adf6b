"""The domain: plain Python and a unit of work. Never prints, prompts, exits, or imports typer/rich."""
