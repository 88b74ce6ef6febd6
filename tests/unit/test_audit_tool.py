"""tools/audit.py: a vulnerable pin fails; an unreachable vulnerability service is not a pass."""

from __future__ import annotations

from tools.audit import judge


def test_a_known_vulnerability_is_counted():
    count, lines, skipped = judge({"dependencies": [
        {"name": "flask", "version": "0.1", "vulns": [
            {"id": "PYSEC-0000-1", "fix_versions": ["3.1.3"]}]},
        {"name": "click", "version": "8.5.1", "vulns": []}]})
    assert count == 1
    assert lines == ["flask 0.1: PYSEC-0000-1 (fixed in 3.1.3)"]
    assert skipped == []


def test_skipped_dependencies_are_reported_not_passed():
    count, _, skipped = judge({"dependencies": [
        {"name": "flask", "skip_reason": "Dependency not found on PyPI"}]})
    assert count == 0
    assert skipped == ["flask"]
