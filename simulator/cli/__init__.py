"""The `simulator` command: one module per group of subcommands."""

from simulator.cli.commands import main

__all__ = ["main"]
