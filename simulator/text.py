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


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """`value` as a CSV cell a spreadsheet shows as text: a string that could start a formula
    gets a leading apostrophe. Numbers pass as they are; write with QUOTE_NONNUMERIC so every
    string cell is quoted too."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
