"""Command line: `python -m assessments list | show CODE | score CODE --answers ...`.

For staff and developers to inspect the bundled forms and check a score by hand. Errors go to
stderr with exit status 2 and nothing on stdout, so scripts can trust stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

import assessments
from assessments.errors import AssessmentError, InstrumentFileError
from assessments.model import Instrument, normalize_lang

EXIT_USAGE = 2
EXIT_BROKEN_DATA = 1

SUGGEST_LABELS = {
    "zh": {
        "self_help": "自助",
        "group": "团体减压",
        "relaxation": "放松训练",
        "counselling": "个体咨询",
        "career": "职业评估",
    },
    "en": {
        "self_help": "self-help",
        "group": "group stress relief",
        "relaxation": "relaxation training",
        "counselling": "individual counselling",
        "career": "career evaluation",
    },
}


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors use our message format (still exit 2, stderr only)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m assessments", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p_list = commands.add_parser("list", help="list the instruments")
    p_list.add_argument("--json", action="store_true", help="print JSON")
    p_list.add_argument("--lang", default="zh", help="zh (default) or en")

    p_show = commands.add_parser("show", help="print an instrument's items, options and bands")
    p_show.add_argument("code")
    p_show.add_argument("--lang", default="zh", help="zh (default) or en")
    p_show.add_argument("--json", action="store_true", help="print JSON")

    p_score = commands.add_parser("score", help="score one set of answers")
    p_score.add_argument("code")
    p_score.add_argument(
        "--answers",
        required=True,
        help="points of the chosen options, comma-separated, as printed on the form",
    )
    p_score.add_argument("--json", action="store_true", help="print JSON")
    p_score.add_argument("--lang", default="zh", help="zh (default) or en")
    return parser


def _parse_answers(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise AssessmentError(
            f"--answers must be comma-separated integers, got {text!r}"
        ) from None


def _fmt(value: float) -> str:
    return f"{value:g}"


def _cmd_list(args: argparse.Namespace) -> str:
    lang = normalize_lang(args.lang)
    rows = assessments.instruments()
    if args.json:
        return json.dumps(
            [
                {
                    "code": i.code,
                    "abbreviation": i.abbreviation,
                    "name": {"zh": i.name.zh, "en": i.name.en},
                    "items": len(i.items),
                    "minutes": i.minutes,
                    "min": i.min,
                    "max": i.max,
                }
                for i in rows
            ],
            ensure_ascii=False,
        )
    items, minutes = ("题", "分钟") if lang == "zh" else (" items", " min")
    return "\n".join(
        f"{i.code:<6} {i.abbreviation:<8} {len(i.items):>2}{items}  ~{i.minutes}{minutes}  "
        f"{i.name.get(lang)}"
        for i in rows
    )


def _show_text(inst: Instrument, lang: str) -> str:
    t = inst.text(lang)
    zh = lang == "zh"
    out = [
        f"{t['abbreviation']} {t['name']} ({inst.code}, v{inst.version})",
        t["description"],
        ("约 {} 分钟" if zh else "About {} minutes").format(inst.minutes),
        "",
        f"[{t['time_frame']}]",
        t["instructions"],
        "",
    ]
    shared = inst.items[0].options
    for item in t["items"]:
        rev = " (R)" if inst.items[item["number"] - 1].reverse else ""
        out.append(f"{item['number']:>2}. {item['text']}{rev}")
        if inst.items[item["number"] - 1].options != shared:
            labels = "; ".join(f"{o['points']} = {o['label']}" for o in item["options"])
            out.append(f"      {labels}")
    out.append("")
    out.append(("选项：" if zh else "Options: ") + "; ".join(
        f"{o.points} = {o.label.get(lang)}" for o in shared
    ))
    for q in t["extra_questions"]:
        out += ["", ("不计分：" if zh else "Not scored: ") + q["text"]]
        out.append("    " + "; ".join(f"{o['points']} = {o['label']}" for o in q["options"]))
    for sub in t["subscales"]:
        out.append(
            f"{'分量表' if zh else 'Subscale'} {sub['code']}: {sub['name']} "
            f"(items {', '.join(map(str, sub['items']))}; {_fmt(sub['min'])}–{_fmt(sub['max'])})"
        )
    out += ["", ("分段" if zh else "Bands") + f" ({_fmt(inst.min)}–{_fmt(inst.max)}):"]
    for b in t["bands"]:
        suggest = ", ".join(SUGGEST_LABELS[lang][s] for s in b["suggest"])
        out.append(f"  {_fmt(b['min'])}–{_fmt(b['max'])}  {b['code']}: {b['label']}  [{suggest}]")
    for rule in t["safety"]:
        crisis = " (crisis)" if rule["crisis"] else ""
        out.append(f"{'安全提示' if zh else 'Safety flag'} {rule['flag']}{crisis}")
    out += [
        "",
        f"Original: {inst.sources.original}",
        f"Chinese version: {inst.sources.chinese_version}",
        f"Cut-offs: {inst.sources.cutoffs}",
        f"Licence: {inst.licence_note}" + ("" if inst.licence_confirmed else " (unconfirmed)"),
    ]
    out += [f"Unconfirmed: {u}" for u in inst.unconfirmed]
    return "\n".join(out)


def _cmd_show(args: argparse.Namespace) -> str:
    inst = assessments.get(args.code)
    lang = normalize_lang(args.lang)
    if args.json:
        return json.dumps(inst.text(lang), ensure_ascii=False)
    return _show_text(inst, lang)


def _cmd_score(args: argparse.Namespace) -> str:
    inst = assessments.get(args.code)
    lang = normalize_lang(args.lang)
    result = inst.score(_parse_answers(args.answers))
    if args.json:
        return json.dumps(result.to_dict(), ensure_ascii=False)
    band = inst.band(result.band)
    lines = [
        f"{inst.abbreviation}: {_fmt(result.total)} / {_fmt(result.max)}  "
        f"{result.band} ({band.label.get(lang)})"
    ]
    for code, sub in result.subscales.items():
        label = inst.band(sub.band).label.get(lang)
        lines.append(f"  {code}: {_fmt(sub.score)} / {_fmt(sub.max)}  {sub.band} ({label})")
    for flag in result.flags:
        lines.append(f"  flag {flag}: {inst.safety_message(flag).get(lang)}")
    if result.crisis:
        lines.append("  crisis: show the crisis-help panel")
    return "\n".join(lines)


COMMANDS = {"list": _cmd_list, "show": _cmd_show, "score": _cmd_score}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 on success, 2 on any user error)."""
    args = _parser().parse_args(argv)
    try:
        output = COMMANDS[args.command](args)
    except InstrumentFileError as exc:
        # A broken bundled file is our fault, not the caller's: a different status.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BROKEN_DATA
    except AssessmentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(output)
    return 0
