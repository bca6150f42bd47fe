"""Text from checked files (file names, SQL, source lines) made safe to print.

A file name or a SQL identifier is attacker-controlled: ``\\n::stop-commands::x`` in it would start a line
that GitHub Actions runs as a workflow command, and ESC/OSC sequences would drive the terminal.

- ``printable`` (every human format, stderr messages): control characters (C0, DEL, C1), line and
  paragraph separators, bidirectional overrides and lone surrogates (bytes of a file name that is not
  UTF-8) become visible escapes: ``\\x1b``, ``\\u2028``, ``\\udcff``. The result is one line.
- ``unicode_safe`` (JSON, SARIF, GitLab, GitHub commands): lone surrogates become U+FFFD, so the output
  is valid UTF-8; the JSON encoder escapes control characters itself.
- ``xml_safe`` (JUnit): characters XML 1.0 cannot carry become U+FFFD.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(m: "re.Match[str]") -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: str) -> str:
    """``text`` with every character that could start a line or drive a terminal shown as an escape."""
    return _UNPRINTABLE.sub(_escape, text)


def unicode_safe(text: str) -> str:
    """``text`` without lone surrogates (encodable as UTF-8)."""
    return _SURROGATE.sub("\ufffd", text)


def xml_safe(text: str) -> str:
    return _XML_BAD.sub("\ufffd", text)
