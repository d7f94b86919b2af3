"""Which language a corpus is written in, decided from a sample of its documents.

Each sampled document is given one language: by script where the script decides it (kana →
Japanese, Hangul → Korean, other CJK ideographs → Chinese, Cyrillic → Russian, Greek, Arabic),
otherwise by the share of its words that are the most frequent function words of each
Latin-script language (the stopword method of Grefenstette, "Comparing two language
identification schemes", JADT 1995). The corpus language is the most frequent one; the report
keeps every language's share, so a corpus that mixes languages can be told apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .segmentation import CJK_CHARACTERS

__all__ = ["LanguageReport", "detect_language"]

# The most frequent function words of each language, chosen to tell neighbours apart.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    code: frozenset(words.split())
    for code, words in {
        "en": "the and of to is in that it with for was are this on by be from which",
        "de": "der die und das ist nicht mit von den ein eine sich auf dem zu auch für wird im",
        "fr": "le la les et des est une dans que pour du pas qui sur au avec ce il",
        "es": "el la los las y que es en del una por con para se lo como más",
        "it": "il la che di è per una non sono gli del della con nel anche le",
        "nl": "de het een en van is dat niet op zijn met voor die te ook wordt",
        "pt": "o os as que de não uma para com do da em é por são se",
        "sv": "och att det som en är på inte av för med till den har ett",
        "da": "og at det er en til på ikke af med for som den har et",
        "no": "og det er som på til ikke av med for en har å den et",
        "fi": "ja on ei se että oli joka mutta hän kun ovat tai myös sen",
        "pl": "i w nie na się z jest że do to jak ale od po są",
        "tr": "ve bir bu da de için ile çok ne olarak daha gibi ama",
    }.items()
}
_WORD = re.compile(r"(?u)\b\w+\b")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_CJK = re.compile(f"[{CJK_CHARACTERS}]")
_SCRIPT_LANGUAGES = {"CYRILLIC": "ru", "GREEK": "el", "ARABIC": "ar"}
SAMPLE_DOCUMENTS = 2000
SAMPLE_CHARACTERS = 2000  # of each document


@dataclass(frozen=True)
class LanguageReport:
    """The corpus language and each language's share of the sampled documents."""

    language: str
    shares: dict[str, float] = field(default_factory=dict)
    sampled: int = 0

    def describe(self) -> str:
        shown = sorted(((code, share) for code, share in self.shares.items() if share >= 0.005), key=lambda kv: -kv[1])
        return ", ".join(f"{code} {share:.0%}" for code, share in shown)


def _document_language(text: str) -> str | None:
    letters = sum(1 for c in text if c.isalpha())
    if not letters:
        return None
    cjk = len(_CJK.findall(text))
    if cjk >= 0.2 * letters:
        if len(_HANGUL.findall(text)) >= 0.5 * cjk:
            return "ko"
        return "ja" if len(_KANA.findall(text)) >= 0.1 * cjk else "zh"
    scripts = Counter(unicodedata.name(c, "").split(" ")[0] for c in text if c.isalpha() and not c.isascii())
    for script, count in scripts.most_common(1):
        if script in _SCRIPT_LANGUAGES and count >= 0.5 * letters:
            return _SCRIPT_LANGUAGES[script]
    words = _WORD.findall(text.casefold())
    hits = {code: sum(1 for word in words if word in function) for code, function in _FUNCTION_WORDS.items()}
    best = max(hits, key=hits.__getitem__)  # ties go to the first listed: English
    return best if hits[best] >= 2 else None


def detect_language(texts: Sequence[str], default: str = "en") -> LanguageReport:
    """The language of the documents ``texts`` (an evenly spread sample of them is read).

    Documents too short to tell are left out; with none left, ``default``.
    """
    step = max(1, len(texts) // SAMPLE_DOCUMENTS)
    found = Counter(
        language for language in (_document_language(text[:SAMPLE_CHARACTERS]) for text in texts[::step]) if language
    )
    total = sum(found.values())
    if not total:
        return LanguageReport(default, {}, 0)
    return LanguageReport(found.most_common(1)[0][0], {code: n / total for code, n in found.items()}, total)
