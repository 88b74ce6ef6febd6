"""Reading instrument files: YAML -> JSON Schema -> cross-checks -> immutable Instrument.

A broken file must stop the app at start-up with a message naming the file and every problem,
never produce a wrong score later. Any directory can be loaded, so tests can use temp files.
"""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from assessments.errors import InstrumentFileError
from assessments.model import (
    Band,
    ExtraQuestion,
    Instrument,
    Item,
    Option,
    SafetyRule,
    Sources,
    Subscale,
    Text,
)
from assessments.scoring import as_fraction, round_half_up

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DIR = PACKAGE_DIR / "instruments"
SCHEMA_PATH = PACKAGE_DIR / "schema.json"

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, which PyYAML would otherwise silently merge."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def read_yaml(path: Path) -> Any:
    """The data of one YAML file of ours, refusing duplicate keys; InstrumentFileError if
    it cannot be read, so every loader names the file the same way."""
    try:
        raw = path.read_text(encoding="utf-8")
        # _StrictLoader is a SafeLoader subclass: no arbitrary objects.
        return yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 # nosec B506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InstrumentFileError(str(path), [f"cannot read YAML: {exc}"]) from exc


@cache
def schema_validator() -> Draft202012Validator:
    """The JSON Schema for instrument files, read once."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _schema_problems(data: Any) -> list[str]:
    problems = []
    for err in sorted(schema_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in err.path) or "(top level)"
        message = err.message if len(err.message) <= 200 else err.message[:197] + "..."
        problems.append(f"at {where}: {message}")
    return problems


def _texts(node: Any, where: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every {zh, en} text object in the data, with its path, for the language check."""
    found: list[tuple[str, dict[str, str]]] = []
    if isinstance(node, dict):
        if set(node) == {"zh", "en"}:
            return [(where, node)]
        for key, value in node.items():
            found += _texts(value, f"{where}/{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _texts(value, f"{where}/{i}")
    return found


def _step(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _check_bands(
    bands: list[dict[str, Any]], lo: Any, hi: Any, decimals: int, what: str
) -> list[str]:
    """Bands must be ascending, touch at the score's resolution and span exactly [lo, hi]."""
    problems = []
    step = _step(decimals)
    codes = [b["code"] for b in bands]
    if len(set(codes)) != len(codes):
        problems.append(f"{what}: band codes repeat: {codes}")
    for b in bands:
        b_lo, b_hi = (Decimal(str(x)) for x in b["range"])
        if b_lo > b_hi:
            problems.append(f"{what}: band {b['code']} has min {b_lo} above max {b_hi}")
        if b_lo != b_lo.quantize(step) or b_hi != b_hi.quantize(step):
            problems.append(f"{what}: band {b['code']} limits need at most {decimals} decimals")
    if Decimal(str(bands[0]["range"][0])) != Decimal(str(lo)):
        first = bands[0]["range"][0]
        problems.append(f"{what}: first band starts at {first}, scores start at {lo}")
    if Decimal(str(bands[-1]["range"][1])) != Decimal(str(hi)):
        problems.append(f"{what}: last band ends at {bands[-1]['range'][1]}, scores end at {hi}")
    for prev, nxt in itertools.pairwise(bands):
        end, start = Decimal(str(prev["range"][1])), Decimal(str(nxt["range"][0]))
        if start <= end:
            problems.append(f"{what}: bands {prev['code']} and {nxt['code']} overlap")
        elif start != end + step:
            problems.append(
                f"{what}: gap between {prev['code']} (ends {end}) "
                f"and {nxt['code']} (starts {start})"
            )
    return problems


def _not_symmetric(points: list[int]) -> bool:
    """Reversal maps p to (lowest + highest - p); that must land on the same option set."""
    return {min(points) + max(points) - p for p in points} != set(points)


Range = tuple[Any, Any]


def _check_code_and_numbering(data: dict[str, Any], stem: str) -> list[str]:
    """The code is the file name; items are numbered 1..n in order."""
    problems: list[str] = []
    if data["code"] != stem:
        problems.append(f"code {data['code']!r} does not match the file name {stem!r}")
    n = len(data["items"])
    numbers = [it["number"] for it in data["items"]]
    if numbers != list(range(1, n + 1)):
        problems.append(f"items must be numbered 1..{n} in order, got {numbers}")
    return problems


def _item_points(data: dict[str, Any]) -> tuple[list[list[int]], list[str]]:
    """Each item's option points (its own set or the shared one), distinct integers; and the
    extra questions' points, distinct too."""
    problems: list[str] = []
    shared = data.get("options")
    item_points: list[list[int]] = []
    for i, it in enumerate(data["items"], 1):
        opts = it.get("options", shared)
        if opts is None:
            problems.append(f"item {i} has no options and there is no shared option set")
            item_points.append([0])
            continue
        pts = [o["points"] for o in opts]
        if len(set(pts)) != len(pts):
            problems.append(f"item {i}: option points repeat: {pts}")
        if any(not isinstance(p, int) for p in pts):
            # JSON Schema's "integer" admits 1.0; answers are compared as ints.
            problems.append(f"item {i}: option points must be written as integers: {pts}")
        item_points.append(pts)
    for q in data.get("extra_questions", []):
        pts = [o["points"] for o in q["options"]]
        if len(set(pts)) != len(pts):
            problems.append(f"extra question {q['code']}: option points repeat: {pts}")
    return item_points, problems


def _check_reverse_items(data: dict[str, Any], item_points: list[list[int]]) -> list[str]:
    """Reversed items exist and have symmetric options (else reversing changes the range)."""
    problems: list[str] = []
    n = len(item_points)
    for r in data.get("reverse_items", []):
        if not 1 <= r <= n:
            problems.append(f"reverse_items: item {r} does not exist (items are 1..{n})")
        elif _not_symmetric(item_points[r - 1]):
            problems.append(f"reverse_items: item {r} options are not symmetric, cannot reverse")
    return problems


def _subscale_ranges(
    data: dict[str, Any], item_points: list[list[int]]
) -> tuple[dict[str, Range], list[str]]:
    """Each subscale's range as its options give it, checked against the declared range and
    its bands."""
    problems: list[str] = []
    n = len(item_points)
    ranges: dict[str, Range] = {}
    for sub in data.get("subscales", []):
        missing = [i for i in sub["items"] if not 1 <= i <= n]
        if missing:
            problems.append(f"subscale {sub['code']}: items {missing} do not exist")
            continue
        lo: Any = sum(min(item_points[i - 1]) for i in sub["items"])
        hi: Any = sum(max(item_points[i - 1]) for i in sub["items"])
        decimals = sub.get("decimals", 0)
        if sub["method"] == "mean":
            lo, hi = (round_half_up(as_fraction(x) / len(sub["items"]), decimals) for x in (lo, hi))
        ranges[sub["code"]] = (lo, hi)
        if [Decimal(str(x)) for x in sub["range"]] != [Decimal(str(lo)), Decimal(str(hi))]:
            problems.append(
                f"subscale {sub['code']}: declared range {sub['range']} "
                f"but options give [{lo}, {hi}]"
            )
        problems += _check_bands(
            sub.get("bands", data["bands"]), lo, hi, decimals, f"subscale {sub['code']}"
        )
    return ranges, problems


def _check_total(
    data: dict[str, Any], item_points: list[list[int]], subscale_ranges: dict[str, Range]
) -> list[str]:
    """The total's range (a sum, or the worst subscale) against the declared range and bands."""
    problems: list[str] = []
    scoring = data["scoring"]
    decimals = scoring.get("decimals", 0)
    lo: Any
    hi: Any
    if scoring["method"] in ("worst_subscale", "top_subscale"):
        if not subscale_ranges:
            problems.append(f"scoring: {scoring['method']} needs subscales")
            lo, hi = scoring["range"]
        elif data["direction"] == "higher_is_worse" or scoring["method"] == "top_subscale":
            lo = max(r[0] for r in subscale_ranges.values())
            hi = max(r[1] for r in subscale_ranges.values())
        else:
            lo = min(r[0] for r in subscale_ranges.values())
            hi = min(r[1] for r in subscale_ranges.values())
    else:
        mult = as_fraction(scoring.get("multiplier", 1))
        lo = round_half_up(sum(min(p) for p in item_points) * mult, decimals)
        hi = round_half_up(sum(max(p) for p in item_points) * mult, decimals)
    if [Decimal(str(x)) for x in scoring["range"]] != [Decimal(str(lo)), Decimal(str(hi))]:
        problems.append(f"scoring: declared range {scoring['range']} but options give [{lo}, {hi}]")
    problems += _check_bands(data["bands"], lo, hi, decimals, "bands")
    return problems


def _check_safety_rules(data: dict[str, Any], item_points: list[list[int]]) -> list[str]:
    """Safety rules name an existing item (with a threshold that can fire) or band."""
    problems: list[str] = []
    n = len(item_points)
    band_codes = {b["code"] for b in data["bands"]}
    sub_codes = {b["code"] for s in data.get("subscales", []) for b in s.get("bands", [])}
    for old, new in data.get("retired_bands", {}).items():
        if old in band_codes or new not in band_codes:
            problems.append(f"retired_bands: {old!r} must be gone and {new!r} must exist")
    for k, rule in enumerate(data.get("safety", [])):
        when = rule["when"]
        if "item" in when:
            if not 1 <= when["item"] <= n:
                problems.append(f"safety/{k}: item {when['item']} does not exist")
            elif not min(item_points[when["item"] - 1]) < when["at_least"] <= max(
                item_points[when["item"] - 1]
            ):
                problems.append(
                    f"safety/{k}: at_least {when['at_least']} can never or always fire "
                    f"for item {when['item']}"
                )
        elif when["band"] not in band_codes | sub_codes:
            problems.append(f"safety/{k}: band {when['band']!r} does not exist")
        if sub_codes & band_codes:
            problems.append(f"subscale bands {sorted(sub_codes & band_codes)} repeat total bands")
    return problems


def _check_languages(data: dict[str, Any]) -> list[str]:
    """Every text has Chinese in ``zh`` and none in ``en`` (a swapped pair shows)."""
    problems: list[str] = []
    for where, text in _texts(data):
        if not _CJK.search(text["zh"]):
            problems.append(f"at {where}: zh text has no Chinese characters: {text['zh']!r}")
        if _CJK.search(text["en"]):
            problems.append(f"at {where}: en text contains Chinese characters: {text['en']!r}")
    return problems


def _cross_check(data: dict[str, Any], stem: str) -> list[str]:
    """Rules the schema cannot express. Returns every problem rather than stopping at one."""
    problems = _check_code_and_numbering(data, stem)
    item_points, found = _item_points(data)
    problems += found
    problems += _check_reverse_items(data, item_points)
    subscale_ranges, found = _subscale_ranges(data, item_points)
    problems += found
    problems += _check_total(data, item_points, subscale_ranges)
    problems += _check_safety_rules(data, item_points)
    problems += _check_languages(data)
    return problems


def _text(node: dict[str, str]) -> Text:
    return Text(zh=node["zh"].strip(), en=node["en"].strip())


def _options(nodes: list[dict[str, Any]]) -> tuple[Option, ...]:
    return tuple(Option(points=o["points"], label=_text(o["label"])) for o in nodes)


def _bands(nodes: list[dict[str, Any]]) -> tuple[Band, ...]:
    return tuple(
        Band(
            code=b["code"],
            min=b["range"][0],
            max=b["range"][1],
            label=_text(b["label"]),
            advice=_text(b["advice"]),
            suggest=tuple(b["suggest"]),
        )
        for b in nodes
    )


def _build(data: dict[str, Any]) -> Instrument:
    reverse = set(data.get("reverse_items", []))
    bands = _bands(data["bands"])
    return Instrument(
        code=data["code"],
        version=data["version"],
        order=data["order"],
        abbreviation=data["abbreviation"],
        name=_text(data["names"]),
        description=_text(data["description"]),
        minutes=data["minutes"],
        time_frame=_text(data["time_frame"]),
        instructions=_text(data["instructions"]),
        direction=data["direction"],
        items=tuple(
            Item(
                number=it["number"],
                text=_text(it["text"]),
                options=_options(it.get("options", data.get("options"))),
                reverse=it["number"] in reverse,
            )
            for it in data["items"]
        ),
        extra_questions=tuple(
            ExtraQuestion(code=q["code"], text=_text(q["text"]), options=_options(q["options"]))
            for q in data.get("extra_questions", [])
        ),
        subscales=tuple(
            Subscale(
                code=s["code"],
                name=_text(s["names"]),
                items=tuple(s["items"]),
                method=s["method"],
                decimals=s.get("decimals", 0),
                min=s["range"][0],
                max=s["range"][1],
                bands=_bands(s["bands"]) if "bands" in s else bands,
                description=_text(s["description"]) if "description" in s else None,
            )
            for s in data.get("subscales", [])
        ),
        bands=bands,
        safety=tuple(
            SafetyRule(
                flag=r["flag"],
                crisis=r["crisis"],
                message=_text(r["message"]),
                item=r["when"].get("item"),
                at_least=r["when"].get("at_least"),
                band=r["when"].get("band"),
                next=r.get("next"),
            )
            for r in data.get("safety", [])
        ),
        total_method=data["scoring"]["method"],
        multiplier=data["scoring"].get("multiplier", 1),
        decimals=data["scoring"].get("decimals", 0),
        min=data["scoring"]["range"][0],
        max=data["scoring"]["range"][1],
        sources=Sources(**data["sources"]),
        licence_note=data["licence"]["note"].strip(),
        licence_confirmed=data["licence"]["confirmed"],
        unconfirmed=tuple(u.strip() for u in data["unconfirmed"]),
        validation=data["validation"],
        retired_bands=tuple(data.get("retired_bands", {}).items()),
        kind=data.get("kind", "screening"),
    )


def load_file(path: Path | str) -> Instrument:
    """Load and fully check one instrument file; raise InstrumentFileError naming the file."""
    path = Path(path)
    data = read_yaml(path)
    problems = _schema_problems(data)
    if not problems:
        problems = _cross_check(data, path.stem)
    if problems:
        raise InstrumentFileError(str(path), problems)
    return _build(data)


def load_dir(directory: Path | str = DEFAULT_DIR) -> tuple[Instrument, ...]:
    """Load every *.yaml file in `directory`, ordered by their `order` field then code."""
    directory = Path(directory)
    stray = sorted(directory.glob("*.yml"))
    if stray:
        raise InstrumentFileError(str(stray[0]), ["rename to .yaml; .yml files are not loaded"])
    loaded = [load_file(p) for p in sorted(directory.glob("*.yaml"))]
    if not loaded:
        raise InstrumentFileError(str(directory), ["no instrument files (*.yaml) found"])
    orders = [i.order for i in loaded]
    if len(set(orders)) != len(orders):
        raise InstrumentFileError(str(directory), [f"two files share an order value: {orders}"])
    return tuple(sorted(loaded, key=lambda i: (i.order, i.code)))
