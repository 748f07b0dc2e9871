"""Show user-authored text as text, never as markup."""

from __future__ import annotations

import html


def plain(text: str) -> str:
    """HTML-escape `text` and neutralise Markdown markers, so names and messages that contain
    markup or template syntax are displayed literally."""
    escaped = html.escape(text, quote=False)
    for mark in ("\\", "*", "_", "`", "[", "]", "|", "~", "{", "}"):
        escaped = escaped.replace(mark, "\\" + mark)
    return escaped
