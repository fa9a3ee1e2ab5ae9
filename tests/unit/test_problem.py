"""Problem files: every example loads, round-trips exactly, and every bad field is named."""

from __future__ import annotations

import hashlib
import tomllib
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest

import nfacheck
from nfacheck import generate as gen
from nfacheck._problem_fields import SECTIONS as _SECTIONS
from nfacheck.errors import ProblemFileError
from nfacheck.problem import Problem, problem_from_dict, problem_to_dict, problem_to_toml

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "examples").glob("*.toml"))

BASE = """\
[network]
widths = [2, 2, 1]
activation = "linear"
[data]
X = [["1", "0", "1/2"], ["0", "1", "1/3"]]
Y = [["1", "2", "0"]]
[init]
weights = [[["1/10", "0"], ["0", "1/10"]], [["1/10", "1/10"]]]
[training]
weight_decay = "0"
times = ["1"]
[precision]
dps = 30
"""


def _write(tmp_path, text, name="p.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _balanced(ws):
    return all(
        gen.matmul(gen.transpose(b), b) == gen.matmul(a, gen.transpose(a))
        for a, b in zip(ws, ws[1:], strict=False)
    )


def test_the_issue_example_loads_exactly(tmp_path):
    path = _write(tmp_path, BASE)
    p = nfacheck.load_problem(path)
    assert isinstance(p, Problem)
    assert p.widths == (2, 2, 1) and p.depth == 2 and (p.d, p.k, p.n) == (2, 1, 3)
    assert p.X == ((1, 0, F(1, 2)), (0, 1, F(1, 3))) and p.Y == ((1, 2, 0),)
    assert p.weights[1] == ((F(1, 10), F(1, 10)),)
    assert p.weight_decay == 0 and p.times == (1,) and p.dps == 30
    assert p.source == str(path) and p.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert all(isinstance(x, F) for row in p.X for x in row)


def test_toml_decimals_are_exact(tmp_path):
    text = BASE.replace('weight_decay = "0"', "weight_decay = 0.1").replace(
        'times = ["1"]', 'times = [0, 0.5, "3/2", "2e0"]'
    )
    p = nfacheck.load_problem(_write(tmp_path, text))
    assert p.weight_decay == F(1, 10)
    assert p.times == (0, F(1, 2), F(3, 2), 2)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_loads_and_round_trips(path, tmp_path):
    p = nfacheck.load_problem(path)
    assert p.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(p.weights) == p.depth and len(p.X) == p.d and len(p.Y) == p.k
    for i, w in enumerate(p.weights):
        assert (len(w), len(w[0])) == (p.widths[i + 1], p.widths[i])
    text = problem_to_toml(p)
    again = nfacheck.load_problem(_write(tmp_path, text, "again.toml"))
    assert again.same_numbers(p)
    assert problem_from_dict(tomllib.loads(text)).same_numbers(p)
    assert problem_to_toml(again).split("\n\n", 1)[1] == text.split("\n\n", 1)[1]


def test_examples_cover_the_required_kinds():
    kinds = {}
    for path in EXAMPLES:
        p = nfacheck.load_problem(path)
        kinds[path.stem] = p
    acts = {p.activation for p in kinds.values()}
    assert {"linear", "tanh", "relu"} <= acts
    linear_balanced = [
        p for p in kinds.values() if p.activation == "linear" and _balanced(p.weights)
    ]
    assert {p.depth for p in linear_balanced} >= {2, 3}
    assert any(p.weight_decay > 0 and not _balanced(p.weights) for p in kinds.values())
    assert any("data" in p.generated for p in kinds.values())


def test_balanced_example_is_exactly_balanced_and_generated_is_recorded():
    p = nfacheck.load_problem(EXAMPLES[0].parent / "linear-balanced-L3.toml")
    assert _balanced(p.weights)
    rec = p.generated["init"]
    assert rec["scheme"] == "balanced" and rec["seed"] == 7
    assert rec["singular_values"] == ["1/5", "1/10"]
    # negative control: changing one entry breaks exact balancedness
    w = [list(map(list, m)) for m in p.weights]
    w[0][0][0] += F(1, 10**12)
    assert not _balanced([tuple(map(tuple, m)) for m in w])


def test_generated_data_are_reproducible_and_recorded():
    path = EXAMPLES[0].parent / "teacher-tanh-generated.toml"
    a, b = nfacheck.load_problem(path), nfacheck.load_problem(path)
    assert a.X == b.X and a.Y == b.Y and a.weights == b.weights
    rec = a.generated["data"]
    assert rec["generate"] == "teacher" and rec["seed"] == 1 and rec["teacher_widths"] == [3, 2, 1]
    assert len(rec["teacher_weights"]) == 2
    assert a.n == 8 and all((x * 10**6).denominator == 1 for row in a.X for x in row)


def test_problem_from_dict_accepts_code_values_and_validated():
    data = {
        "network": {"widths": (2, 1), "activation": "leaky_relu", "slope": F(1, 5)},
        "data": {"X": ((F(1), 2),), "Y": [[Decimal("0.5")]]},
        "init": {"weights": [[[F(1, 3), "2/7"]]]},
    }
    data["data"]["X"] = [[F(1)], [F(2)]]
    p = problem_from_dict(data)
    assert p.activation_params == {"slope": F(1, 5)} and p.Y == ((F(1, 2),),)
    assert p.times == (1,) and p.dps == 30 and p.source is None and p.sha256 is None
    q = p.replace(dps=50)
    assert q.dps == 50 and q.validated().same_numbers(q)
    with pytest.raises(ProblemFileError, match="precision.dps"):
        p.replace(dps=5).validated()
    assert problem_to_dict(p)["network"]["slope"] == "1/5"
    # default slope for leaky_relu
    data["network"].pop("slope")
    assert problem_from_dict(data).activation_params == {"slope": F(1, 100)}


def _sub(old, new):
    def edit(text):
        assert old in text, old
        return text.replace(old, new)

    return edit


BAD = [
    # (id, edit of BASE, field named in the message, fragment of what is wrong)
    ("unknown-section", lambda t: t + "[extra]\na = 1\n", ": extra: ", "unknown section"),
    (
        "unknown-key",
        _sub("activation =", "depth = 2\nactivation ="),
        "network.depth",
        "unknown key",
    ),
    ("widths-type", _sub("[2, 2, 1]", '"2,2,1"'), "network.widths", "non-empty list"),
    ("widths-zero", _sub("[2, 2, 1]", "[2, 0, 1]"), "network.widths[1]", "between 1"),
    ("widths-bool", _sub("[2, 2, 1]", "[true, 2, 1]"), "network.widths[0]", "integer"),
    ("widths-short", _sub("[2, 2, 1]", "[2]"), "network.widths", "two widths"),
    ("activation", _sub('"linear"', '"gelu"'), "network.activation", "unknown value"),
    ("slope-on-relu", _sub('"linear"', '"relu"\nslope = "1/10"'), "network.slope", "only leaky"),
    ("slope-range", _sub('"linear"', '"leaky_relu"\nslope = 2'), "network.slope", "0 < slope < 1"),
    (
        "X-shape",
        _sub('["0", "1", "1/3"]]', '["0", "1", "1/3"], ["1", "1", "1"]]'),
        "data.X",
        "wrong shape",
    ),
    ("Y-columns", _sub('Y = [["1", "2", "0"]]', 'Y = [["1", "2"]]'), "data.Y", "wrong shape"),
    ("ragged", _sub('["0", "1", "1/3"]', '["0", "1"]'), "data.X", "different lengths"),
    ("nan", _sub('["1", "0", "1/2"]', '["1", nan, "1/2"]'), "data.X[0][1]", "finite"),
    ("inf-string", _sub('["1", "0", "1/2"]', '["1", "-inf", "1/2"]'), "data.X[0][1]", "finite"),
    ("zero-denominator", _sub('Y = [["1",', 'Y = [["1/0",'), "data.Y[0][0]", "zero denominator"),
    (
        "not-a-number",
        _sub('[["1/10", "1/10"]]]', '[["abc", "1/10"]]]'),
        "init.weights[1][0][0]",
        "not a number",
    ),
    (
        "boolean-entry",
        _sub('[["1/10", "1/10"]]]', '[[true, "1/10"]]]'),
        "init.weights[1][0][0]",
        "boolean",
    ),
    (
        "W-shape",
        _sub('[["1/10", "1/10"]]]', '[["1/10"], ["1/10"]]]'),
        "init.weights[1]",
        "wrong shape",
    ),
    ("W-count", _sub('[["1/10", "1/10"]]]', "]"), "init.weights", "expected 2 matrices"),
    (
        "negative-decay",
        _sub('weight_decay = "0"', 'weight_decay = "-1/10"'),
        "training.weight_decay",
        ">= 0",
    ),
    ("negative-time", _sub('times = ["1"]', 'times = ["-1", "1"]'), "training.times[0]", ">= 0"),
    (
        "times-order",
        _sub('times = ["1"]', 'times = ["1", "1"]'),
        "training.times[1]",
        "strictly increasing",
    ),
    ("times-empty", _sub('times = ["1"]', "times = []"), "training.times", "non-empty"),
    ("dps-small", _sub("dps = 30", "dps = 5"), "precision.dps", "between 10 and 1000"),
    ("dps-large", _sub("dps = 30", "dps = 5000"), "precision.dps", "between 10 and 1000"),
    ("dps-float", _sub("dps = 30", "dps = 30.5"), "precision.dps", "integer"),
    ("dps-string", _sub("dps = 30", 'dps = "30"'), "precision.dps", "integer"),
    (
        "missing-init",
        lambda t: t.split("[init]")[0] + "[training]" + t.split("[training]")[1],
        ": init: ",
        "missing section",
    ),
    ("missing-widths", _sub("widths = [2, 2, 1]\n", ""), "network.widths", "missing"),
    ("missing-Y", _sub('Y = [["1", "2", "0"]]\n', ""), "data.Y", "missing"),
    (
        "X-and-generate",
        _sub("[data]\n", '[data]\ngenerate = "gaussian"\n'),
        "data.generate",
        "not both",
    ),
    (
        "scheme-and-weights",
        _sub("[init]\n", '[init]\nscheme = "small"\n'),
        "init.scheme",
        "not both",
    ),
    (
        "section-not-table",
        lambda t: "precision = 3\n" + t.split("[precision]")[0],
        ": precision: ",
        "table",
    ),
]

GENERATED = [
    ("unknown-generator", '[data]\ngenerate = "uniform"\nn = 3', "data.generate", "unknown value"),
    ("missing-n", '[data]\ngenerate = "gaussian"', "data.n", "missing"),
    ("n-zero", '[data]\ngenerate = "gaussian"\nn = 0', "data.n", "between 1"),
    (
        "teacher-key-on-gaussian",
        '[data]\ngenerate = "gaussian"\nn = 3\nnoise = 0',
        "data.noise",
        "not used by",
    ),
    ("negative-seed", '[data]\ngenerate = "gaussian"\nn = 3\nseed = -1', "data.seed", "between 0"),
    (
        "teacher-activation",
        '[data]\ngenerate = "teacher"\nn = 3\nteacher_activation = "x"',
        "data.teacher_activation",
        "unknown value",
    ),
    (
        "teacher-hidden",
        '[data]\ngenerate = "teacher"\nn = 3\nteacher_hidden = [0]',
        "data.teacher_hidden[0]",
        "between 1",
    ),
]

INIT = [
    ("unknown-scheme", '[init]\nscheme = "xavier"', "init.scheme", "unknown value"),
    ("missing-svs", '[init]\nscheme = "balanced"', "init.singular_values", "missing"),
    (
        "too-many-svs",
        '[init]\nscheme = "balanced"\nsingular_values = [1, 1, 1]',
        "init.singular_values",
        "at most",
    ),
    (
        "negative-sv",
        '[init]\nscheme = "balanced"\nsingular_values = ["-1/2"]',
        "init.singular_values[0]",
        ">= 0",
    ),
    (
        "rotate-type",
        '[init]\nscheme = "balanced"\nsingular_values = [1]\nrotate = "yes"',
        "init.rotate",
        "true or false",
    ),
    ("scale-zero", '[init]\nscheme = "gaussian"\nscale = 0', "init.scale", "> 0"),
    (
        "digits-on-orthogonal",
        '[init]\nscheme = "orthogonal"\ndigits = 3',
        "init.digits",
        "not used by",
    ),
]


def _replace_section(text, name, new):
    head, rest = text.split(f"[{name}]\n")
    after = rest.split("\n[", 1)[1]
    return head + new + "\n[" + after


def _check(tmp_path, text, field, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(ProblemFileError) as info:
        nfacheck.load_problem(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: "), msg
    assert field in msg and fragment in msg, msg
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_field_is_named(case, tmp_path):
    _, edit, field, fragment = case
    _check(tmp_path, edit(BASE), field, fragment)


@pytest.mark.parametrize("case", GENERATED, ids=[c[0] for c in GENERATED])
def test_bad_generated_data_field_is_named(case, tmp_path):
    _, section, field, fragment = case
    _check(tmp_path, _replace_section(BASE, "data", section), field, fragment)


@pytest.mark.parametrize("case", INIT, ids=[c[0] for c in INIT])
def test_bad_init_field_is_named(case, tmp_path):
    _, section, field, fragment = case
    _check(tmp_path, _replace_section(BASE, "init", section), field, fragment)


def test_received_value_is_shown(tmp_path):
    msg = _check(tmp_path, BASE.replace('"linear"', '"gelu"'), "network.activation", "unknown")
    assert msg.endswith("(received 'gelu')")


def test_malformed_toml_gives_line_and_column(tmp_path):
    msg = _check(tmp_path, BASE.replace("dps = 30", "dps = = 30"), "", "malformed TOML")
    assert "line 13" in msg and "column" in msg


def test_missing_file_and_non_utf8(tmp_path):
    with pytest.raises(ProblemFileError, match="no such file"):
        nfacheck.load_problem(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"[meta]\nname = '\xe9'\n")
    with pytest.raises(ProblemFileError, match="not UTF-8"):
        nfacheck.load_problem(bad)


def test_binary_float_from_code_is_rejected():
    data = tomllib.loads(BASE)
    data["training"]["weight_decay"] = 0.1
    with pytest.raises(ProblemFileError, match="training.weight_decay: binary floats"):
        problem_from_dict(data)


def test_cli_reports_a_bad_problem_in_one_line(tmp_path, capsys):
    from nfacheck.cli import main

    path = _write(tmp_path, BASE.replace("dps = 30", "dps = 5"))
    try:
        status = main(["flow", str(path)])
    except SystemExit as exc:  # argparse-level failures
        status = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == [
        f"nfacheck: error: {path}: precision.dps: must be between 10 and 1000 (received 5)"
    ]


def test_rational_orthogonal_schemes_are_size_limited(tmp_path):
    text = BASE.replace("[2, 2, 1]", "[2, 65, 1]")
    text = _replace_section(text, "init", '[init]\nscheme = "balanced"\nsingular_values = [1]')
    _check(tmp_path, text, "init.scheme", "limited to size 64")
    huge = BASE.replace("[2, 2, 1]", "[2, 1000, 1000, 1]")
    huge = _replace_section(huge, "init", '[init]\nscheme = "gaussian"')
    huge = _replace_section(huge, "data", '[data]\ngenerate = "gaussian"\nn = 3')
    _check(tmp_path, huge, "init.scheme", "the limit is 1000000")
    unrotated = text.replace("singular_values = [1]", "singular_values = [1]\nrotate = false")
    assert nfacheck.load_problem(_write(tmp_path, unrotated, "ok.toml")).widths == (2, 65, 1)


def test_fuzzed_fields_raise_only_problem_file_errors():
    """Any value in any field either loads or gives a ProblemFileError naming a field."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.integers(-3, 70),
        st.booleans(),
        st.text(max_size=6),
        st.sampled_from(["1/0", "nan", "-inf", "1/3", "0.5", "1e400", "linear", "balanced"]),
        st.decimals(allow_nan=True, allow_infinity=True, places=3),
        st.none(),
    )
    values = st.recursive(scalars, lambda c: st.lists(c, max_size=3), max_leaves=8)
    keys = [(sec, key) for sec, ks in _SECTIONS.items() for key in ks] + [("network", "bogus")]

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.sampled_from(keys), values)
    def run(where, value):
        data = tomllib.loads(BASE)
        sec, key = where
        data.setdefault(sec, {})[key] = value
        try:
            p = problem_from_dict(data)
        except ProblemFileError as exc:
            assert exc.field and "\n" not in str(exc)
        else:
            assert isinstance(p, Problem) and len(p.weights) == p.depth

    run()
