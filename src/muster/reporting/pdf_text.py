"""Text made safe for a PDF's built-in fonts, which cover Windows-1252 only
(Latin-1 plus typographic quotes, dashes, the euro sign and a few letters).

Other dashes, arrows and ticks become their plain form, letters outside the
set lose their marks (``ő`` prints as ``o``, ``ł`` as ``l``), and what has no
such form (Cyrillic, CJK, most symbols) becomes ``?``, so a line always
prints. Control characters other than line breaks and tabs are dropped.
"""

import unicodedata

ENCODING = "windows-1252"

_PLAIN = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2192": "->",
        "\u2190": "<-",
        "\u2713": "v",
        "\u2714": "v",
        "\u2717": "x",
        "\u2718": "x",
        "\u25b2": "^",
        "\u25a0": "#",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u200b": "",
        "\ufeff": "",
    }
)
_KEPT_CONTROLS = frozenset("\n\t")
_DROPPED = frozenset({"Cc", "Cs"})


def _is_encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _safe_char(char: str) -> str:
    if unicodedata.category(char) in _DROPPED and char not in _KEPT_CONTROLS:
        return ""
    if _is_encodable(char):
        return char
    base = "".join(
        c
        for c in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(c) and _is_encodable(c)
    )
    return base or "?"


def built_in_safe(text: str) -> str:
    """``text`` with only characters the built-in PDF fonts can show."""
    return "".join(_safe_char(c) for c in text.translate(_PLAIN))


def printable(text: str) -> str:
    """``text`` without control characters (for an embedded Unicode font)."""
    return "".join(
        c
        for c in text
        if c in _KEPT_CONTROLS or unicodedata.category(c) not in _DROPPED
    )
