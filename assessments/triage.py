"""How soon a counsellor must reach someone after a risk answer: the one home of the rules.

Levels, from the C-SSRS screener's risk levels (Posner et al. 2011; Columbia Lighthouse
Project) plus our "are you safe right now?":

- ``urgent``: intent, a plan, behaviour in the past 3 months, or "not safe right now".
  The page shows 110/120 and "go to the nearest emergency department" first.
- ``high``: thinking about a method, behaviour longer ago, "not sure" about being safe now,
  or a risk answer whose follow-up questions were not (yet) answered: unknown counts as high.
- ``standard``: a wish to be dead or thoughts only, or a risk flag from the total alone.

Pure Python, no app imports. Each rule is a row of RULES, checked top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

URGENT, HIGH, STANDARD = "urgent", "high", "standard"
LEVELS: tuple[str, ...] = (URGENT, HIGH, STANDARD)  # most urgent first

YES = 1
BEHAVIOUR_EARLIER, BEHAVIOUR_RECENT = 1, 2
SAFE_NOT_SURE, SAFE_NO = 1, 2

Answers = Mapping[str, int]

# (level, reason, test): the first row whose test holds decides.
RULES: tuple[tuple[str, str, Callable[[Answers], bool]], ...] = (
    (URGENT, "not_safe_now", lambda a: a.get("safe_now") == SAFE_NO),
    (URGENT, "intent", lambda a: a.get("intent") == YES),
    (URGENT, "plan", lambda a: a.get("plan") == YES),
    (URGENT, "recent_behaviour", lambda a: a.get("behaviour") == BEHAVIOUR_RECENT),
    (HIGH, "method", lambda a: a.get("method") == YES),
    (HIGH, "earlier_behaviour", lambda a: a.get("behaviour") == BEHAVIOUR_EARLIER),
    (HIGH, "unsure_safe_now", lambda a: a.get("safe_now") == SAFE_NOT_SURE),
)


def triage(followup: Answers | None, *, item_flag: bool = True) -> tuple[str, str]:
    """The level and the reason for it.

    ``followup`` is the C-SSRS answers by question code, or None when not answered.
    ``item_flag`` says the risk came from a self-harm item (PHQ-9 item 9 > 0) rather than
    from the total alone (e.g. a severe band), which without answers counts as standard.
    """
    if followup is None:
        return (HIGH, "not_answered") if item_flag else (STANDARD, "score_only")
    for level, reason, test in RULES:
        if test(followup):
            return level, reason
    return STANDARD, "thoughts_only"


def more_urgent(a: str, b: str) -> str:
    """The more urgent of two levels (a triage never goes down by answering more)."""
    return min(a, b, key=LEVELS.index)
