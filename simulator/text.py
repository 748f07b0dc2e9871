"""Show user-authored text as text, never as markup."""

from __future__ import annotations

import html
import string


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


# Every ASCII punctuation mark can be backslash-escaped in Markdown (CommonMark); the HTML ones
# become entities instead, and line breaks become <br>, so the text stays on its own line.
INLINE = str.maketrans(
    {
        **{mark: "\\" + mark for mark in string.punctuation},
        **{"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "\n": "<br>", "\r": ""},
    }
)


def one_block(text: str) -> str:
    """`text` as inert inline Markdown on a single line: nothing in it can open a heading, rule,
    list item, quote, code block, link, emphasis or HTML tag, so a message typed with newlines
    and block markup (`---`, `# NOTE`, `1. **PM:** ...`) stays inside the block the code put it
    in."""
    return text.translate(INLINE)
