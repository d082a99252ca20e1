"""Running a rule only around its keywords finds exactly what a whole-chunk run finds."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine import Engine
from scanner.engine.matcher import WINDOW_MAX_OCCURRENCES
from scanner.engine.prefilter import REACH
from scanner.models import Chunk, Origin, Rule, Severity
from scanner.rules import load_builtin_rules


@lru_cache(maxsize=1)
def engines() -> tuple[Engine, Engine]:
    rules = load_builtin_rules()
    return Engine(rules), Engine(rules, windowed=False)


@lru_cache(maxsize=1)
def example_lines() -> list[str]:
    return [ex.text for r in load_builtin_rules() for ex in r.examples + r.negatives]


def assert_windowed_equals_whole(text: str, path: str) -> None:
    windowed, whole = engines()
    chunk = Chunk(text=text, origin=Origin(path=path))
    assert windowed.scan(chunk) == whole.scan(chunk)


noise = st.text(alphabet="abcxyz _=:\"'{}()0123456789", max_size=30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(noise, st.sampled_from(range(10_000))), min_size=1, max_size=25))
def test_windowed_scan_equals_whole_chunk_scan(parts: list[object]) -> None:
    lines = example_lines()
    assert_windowed_equals_whole("\n".join(lines[p % len(lines)] if isinstance(p, int) else str(p) for p in parts),
                                 "src/mixed.py")


minified = st.text(alphabet="abcxyz_=:;,.(){}[]0123456789", min_size=REACH // 4, max_size=REACH * 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(minified, st.sampled_from(range(10_000))), min_size=2, max_size=12))
def test_windows_cut_on_long_lines_find_what_a_whole_chunk_run_finds(parts: list[object]) -> None:
    # a minified bundle is one line of megabytes: around each keyword only REACH characters either
    # side are searched, and every secret next to its keyword is still found at the same place
    lines = [ln for ln in example_lines() if "\n" not in ln]
    assert_windowed_equals_whole(";".join(lines[p % len(lines)] if isinstance(p, int) else str(p) for p in parts),
                                 "static/app.min.js")


def test_a_match_running_past_a_window_cut_is_matched_to_the_end_of_its_line() -> None:
    rule = Rule(id="t-long", description="long token", severity=Severity.HIGH, keywords=("marker",),
                regex=r"(?<![A-Za-z0-9])(tok_[A-Za-z0-9]{10,200})(?![A-Za-z0-9])", secret_group=1)
    windowed, whole = Engine([rule]), Engine([rule], windowed=False)
    token = "tok_" + "Q7x" * 30  # 94 characters; the window after "marker" ends inside it
    text = "marker " + "." * (REACH - 40) + token + " " + "." * 100
    chunk = Chunk(text=text, origin=Origin(path="a.js"))
    found = windowed.scan(chunk)
    assert [f.secret for f in found] == [token]
    assert found == whole.scan(chunk)


def test_lines_shorter_than_reach_are_never_cut() -> None:
    # a 40-character value on the line after its label, past REACH characters from the label
    rule = Rule(id="t-next", description="value on the next line", severity=Severity.HIGH,
                keywords=("signing_key",), regex=r"(?<![A-Za-z0-9])([A-Za-z0-9]{40})(?![A-Za-z0-9])",
                secret_group=1)
    token = "Q7xP2mK9vL4nR8sT1wY6zA3bC5dE0fG7hJ2kM4nP"
    text = "# signing_key:" + " " * (REACH // 2) + "\n" + "." * (REACH // 2 + 100) + token + "." * 900 + "\n"
    chunk = Chunk(text=text, origin=Origin(path="conf/app.txt"))
    found = Engine([rule]).scan(chunk)
    assert [f.secret for f in found] == [token]
    assert found == Engine([rule], windowed=False).scan(chunk)


def test_a_match_run_past_its_cut_is_not_found_again_in_a_later_window() -> None:
    rule = Rule(id="t-run", description="run", severity=Severity.HIGH, keywords=("tok_",),
                regex=r"tok_[A-Za-z0-9_]{10,}")
    text = "x=tok_" + "A7b" * REACH + "tok_" + "Zq9" * 10 + ";"  # one token, its keyword twice, far apart
    chunk = Chunk(text=text, origin=Origin(path="app.min.js"))
    found = Engine([rule]).scan(chunk)
    assert [(f.column, len(f.secret)) for f in found] == [(3, len(text) - 3)]
    assert found == Engine([rule], windowed=False).scan(chunk)


def test_many_keyword_occurrences_fall_back_to_a_whole_chunk_run() -> None:
    windowed, whole = engines()
    text = "password = short\n" * (WINDOW_MAX_OCCURRENCES + 50) + 'db_password = "Tr0ub4dor&3xK9q"\n'
    chunk = Chunk(text=text, origin=Origin(path="app/settings.py"))
    found = windowed.scan(chunk)
    assert found == whole.scan(chunk)
    assert [f.line for f in found if f.rule_id == "generic-password"] == [WINDOW_MAX_OCCURRENCES + 51]


def test_a_dotted_capital_i_keeps_keyword_offsets_valid() -> None:
    """'İ' lower-cases to two characters; folded first, the keyword offsets still point into the text,
    so the rules keep running around their keywords instead of over the whole chunk."""
    from scanner.engine import Engine
    from scanner.engine.prefilter import Prefilter
    from scanner.models import Chunk, Origin
    from scanner.rules import load_builtin_rules

    text = "İstanbul ofisi\n" * 3 + "password = 'Qm7vT2pX9wLk4Rz8'\n"
    pf = Prefilter([["password"]])
    occ, valid = pf.occurrences(text, 1024)
    assert valid and [text[e - 7:e + 1] for e in occ[0]] == ["password"]
    rule = next(r for r in load_builtin_rules() if r.id == "generic-password")
    (f,) = Engine([rule]).scan(Chunk(text=text, origin=Origin(path="app.cfg")))
    assert (f.line, f.column, f.secret) == (4, 1, "Qm7vT2pX9wLk4Rz8")


def test_a_full_rule_stops_collecting_but_rules_sharing_its_keyword_go_on() -> None:
    """Once a rule has cap+1 offsets (it will run over the whole text) its later occurrences are
    passed over; another rule on the same keyword, gated by a literal, still gets every one of its own."""
    from scanner.engine.prefilter import Prefilter

    cap = 4
    text = "token = x\n" * 20 + "token = ghp_\n" * 3 + "secret = y\n"
    pf = Prefilter([["token"], ["token"], ["secret"]], [(), ("ghp_",), ()])
    occ, valid = pf.occurrences(text, cap)
    assert valid
    assert len(occ[0]) == cap + 1
    # (the window is the keyword's line and the next: line 20 sees the literal on line 21)
    assert [text.count("\n", 0, e) + 1 for e in occ[1]] == [20, 21, 22, 23]
    assert [text.count("\n", 0, e) + 1 for e in occ[2]] == [24]


def test_a_required_literal_absent_from_the_text_gives_no_occurrences() -> None:
    from scanner.engine.prefilter import Prefilter

    pf = Prefilter([["token"], ["token"]], [(), ("xoxb-",)])
    occ, _ = pf.occurrences("token = abc\n" * 50, 1024)
    assert 1 not in occ and len(occ[0]) == 50


def test_long_texts_with_sparse_keywords_keep_windows_and_find_the_same() -> None:
    """Past WINDOW_MAX_OCCURRENCES occurrences a long text stays windowed while its keywords are sparse
    (one per WINDOW_DENSITY characters or fewer), and finds what a whole-chunk run finds."""
    from scanner.engine.matcher import WINDOW_DENSITY, window_cap

    filler = "x = compute(value)  # ordinary code\n" * (WINDOW_DENSITY // 36 + 1)
    text = ("password = short\n" + filler) * (WINDOW_MAX_OCCURRENCES + 10) + 'db_password = "Tr0ub4dor&3xK9q"\n'
    assert window_cap(len(text)) > WINDOW_MAX_OCCURRENCES + 11
    windowed, whole = engines()
    chunk = Chunk(text=text, origin=Origin(path="app/settings.py"))
    found = windowed.scan(chunk)
    assert found == whole.scan(chunk)
    assert [f.secret for f in found if f.rule_id == "generic-password"] == ["Tr0ub4dor&3xK9q"]
