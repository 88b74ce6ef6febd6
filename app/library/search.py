"""Searching the library in Chinese and English, the same way on SQLite and PostgreSQL.

Why character bigrams on a plain text column, not jieba or a full-text engine:

- Most Chinese words are two characters (压力, 睡眠, 倒班). A query is cut into overlapping
  character pairs ("睡不着" -> 睡不, 不着), which is how CJK search engines match text without a
  dictionary. jieba would add a 20 MB dictionary and a slow first call, and segments our
  workplace words (倒班, 夜班) differently in a query and in a text, so exact words go missing.
- SQLite FTS5's trigram tokenizer cannot match a two-character query, and PostgreSQL has no
  Chinese parser without an extension (zhparser) we cannot count on; pg_trgm has the same
  three-character floor. Plain ``LIKE`` runs identically on both databases.
- The library is small (hundreds of items, not millions): the database narrows the candidates
  with ``LIKE`` on each pair or word, and Python ranks them by how much of the query they hold.

English and other words are matched whole (case-insensitively) as substrings.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 12  # a long pasted text is cut to its first few words


def normalise(text: str) -> str:
    """Full-width letters to half-width, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def terms(query: str) -> list[str]:
    """The words and Chinese runs of a query, de-duplicated, in order."""
    found: list[str] = []
    for word in _WORD.findall(normalise(query)):
        # split a mixed run such as "夜班sleep" into its Chinese and other parts
        parts = re.split(f"({_CJK.pattern})", word)
        for part in parts:
            if part and part not in found:
                found.append(part)
    return found[:MAX_TERMS]


def grams(term: str) -> list[str]:
    """What a term is looked up by: Chinese runs as character pairs, other words whole."""
    if _CJK.fullmatch(term) and len(term) > 2:
        return list(dict.fromkeys(term[i:i + 2] for i in range(len(term) - 1)))
    return [term]


def like_patterns(query: str) -> list[str]:
    """``LIKE`` patterns (escaped with backslash) of which a candidate holds at least one."""
    out: list[str] = []
    for term in terms(query):
        for gram in grams(term):
            escaped = gram.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            if pattern not in out:
                out.append(pattern)
    return out


def score(query: str, text: str) -> float:
    """How well ``text`` (normalised) answers ``query``: 0 (not at all) to 1 (every word).

    A term found whole counts 1; a Chinese run not found whole counts the share of its
    character pairs found (at least a half when two pairs are found). A candidate is kept
    when it scores at least ``THRESHOLD``.
    """
    found = terms(query)
    if not found:
        return 0.0
    total = 0.0
    for term in found:
        if term in text:
            total += 1.0
            continue
        pairs = grams(term)
        if len(pairs) > 1:
            hits = sum(1 for p in pairs if p in text)
            # a question such as "失眠了怎么办睡不好" holds its words among filler
            # pairs: two pairs found count as half the term
            total += max(hits / len(pairs), 0.5 if hits >= 2 else 0.0)
    return total / len(found)


THRESHOLD = 0.5
