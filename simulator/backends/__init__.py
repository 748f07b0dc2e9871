"""Model backends: one small interface, one file per implementation."""

from simulator.backends.base import ChatBackend, Message

__all__ = ["ChatBackend", "Message"]
