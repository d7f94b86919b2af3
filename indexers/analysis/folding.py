"""Unicode case and accent folding, so that a word matches however it is typed.

Case folding is Python's ``str.casefold`` (Unicode's full case folding: "Straße" → "strasse").
Accents are removed from Latin letters only (canonical decomposition, combining marks dropped:
"Brötchen" → "brotchen"), plus the Latin letters that do not decompose (æ, ø, œ, ł, đ, ð, þ)
and Russian ё → е, as Lucene's ``ASCIIFoldingFilter`` does for Latin. Other scripts keep their
marks: in Hangul, Devanagari or Arabic they are part of the letter, not an accent.

Folding runs after stemming (:class:`..analyzer.Analyzer`): Snowball's rules for French or
Spanish read the accents, and the folded stem of "élève" and of "eleve" is the same "elev".
"""

from __future__ import annotations

import unicodedata
from functools import cache

__all__ = ["fold_accents", "fold_case"]

_LATIN_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))
_UNDECOMPOSABLE = {"æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ё": "е"}


@cache
def _accent_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for start, end in _LATIN_RANGES:
        for code in range(start, end + 1):
            char = chr(code)
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if bare != char:
                table[code] = bare
    for char, bare in _UNDECOMPOSABLE.items():
        table[ord(char)] = bare
        table[ord(char.upper())] = bare.capitalize()
    return table


def fold_case(text: str) -> str:
    return text.casefold()


def fold_accents(text: str) -> str:
    """``text`` with accents removed from Latin letters ("Brötchen" → "Brotchen")."""
    return text.translate(_accent_table()) if not text.isascii() else text
