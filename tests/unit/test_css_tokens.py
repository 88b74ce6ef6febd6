"""The stylesheet draws every colour from its tokens, and the tokens that carry text keep
WCAG AA contrast (4.5:1) on the grounds they are used on, so a colour change is one edit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "app.css").read_text()
ROOT_BLOCK = re.search(r":root\s*\{(.*?)\n\}", CSS, re.S)
assert ROOT_BLOCK is not None
TOKENS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", ROOT_BLOCK.group(1)))
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(TOKENS[a]), _luminance(TOKENS[b])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_no_colour_is_written_outside_the_tokens():
    body = CSS[ROOT_BLOCK.end():]
    literals = [line.strip() for line in body.splitlines()
                if COLOUR.search(re.sub(r"/\*.*?\*/", "", line))]
    assert literals == []


@pytest.mark.parametrize(("text", "ground"), [
    ("ink", "paper"), ("ink", "wash"), ("muted", "paper"), ("muted", "wash"), ("muted", "sand"),
    ("brand-dark", "paper"), ("on-brand", "brand"), ("on-brand", "brand-dark"),
    ("on-brand", "error"), ("on-brand", "error-dark"), ("on-brand", "focus"),
    ("error", "error-wash"), ("error-dark", "error-wash"), ("ok", "ok-wash"),
    ("warn-ink", "warn-wash"), ("warn-ink", "warn-fill"), ("warn-ink", "paper"),
])
def test_text_tokens_keep_aa_contrast(text, ground):
    assert _contrast(text, ground) >= 4.5
