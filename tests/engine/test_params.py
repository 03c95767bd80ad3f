"""Parameter validation: the one place bounds are checked, table-driven."""
import pytest

from engine import scenarios
from engine.params import Param, ParamError, resolve

INT = Param("n", "int", 5, {"en": "n", "zh_CN": "n"}, minimum=1, maximum=10)
FLT = Param("x", "float", 0.5, {"en": "x", "zh_CN": "x"}, minimum=0.0, maximum=1.0)
BOOL = Param("b", "bool", False, {"en": "b", "zh_CN": "b"})
CHOICE = Param("c", "choice", "map", {"en": "c", "zh_CN": "c"}, choices=("map", "imap"))


@pytest.mark.parametrize("param, text, expected", [
    (INT, "1", 1), (INT, "10", 10), (INT, " 7 ", 7),
    (FLT, "0", 0.0), (FLT, "1e-1", 0.1), (BOOL, "on", True), (BOOL, "0", False),
    (BOOL, "Yes", True), (CHOICE, "imap", "imap"),
])
def test_parse_accepts(param, text, expected):
    assert param.parse(text) == expected


@pytest.mark.parametrize("param, text", [
    (INT, "0"), (INT, "11"), (INT, "-3"), (INT, "2.5"), (INT, "ten"), (INT, ""),
    (INT, "99999999999999999999"), (FLT, "nan"), (FLT, "inf"), (FLT, "-0.1"), (FLT, "x"),
    (BOOL, "maybe"), (CHOICE, "MAP"), (CHOICE, ""),
])
def test_parse_rejects_with_what_is_allowed(param, text):
    with pytest.raises(ParamError) as info:
        param.parse(text)
    assert param.name in str(info.value) and "expected" in str(info.value)


def test_resolve_names_unknown_parameters():
    with pytest.raises(ParamError, match="unknown parameter 'bogus'"):
        resolve([INT], {"bogus": "1"})
    assert resolve([INT, BOOL], {"n": "3"}) == {"n": 3, "b": False}


def test_every_declared_default_is_valid_and_texts_are_bilingual():
    for scenario in scenarios.all_scenarios():
        assert set(scenario.title) == {"en", "zh_CN"} and set(scenario.lesson) == {"en", "zh_CN"}
        for p in scenario.params:
            assert p.validate(p.default) == p.default
            assert p.label["en"] and p.label["zh_CN"]
        assert scenario.source.strip()


def test_units_in_labels_one_style_per_language():
    """Issue 14 section 4: "(s)" beside "（秒）" no more; English "Label (s)", Chinese
    "标签（秒）" with the unit named in Chinese (docs/glossary.md), never twice."""
    import re
    from engine import scenarios
    from engine.params import UNIT_NAMES
    for scenario in scenarios.all_scenarios():
        for p in scenario.params:
            en, zh = p.labelled("en"), p.labelled("zh_CN")
            assert "(" not in zh and ")" not in zh, (scenario.id, zh)  # ASCII brackets
            if not p.unit:
                continue
            assert en == "%s (%s)" % (p.label["en"], UNIT_NAMES[p.unit]["en"]), en
            assert zh == "%s（%s）" % (p.label["zh_CN"], UNIT_NAMES[p.unit]["zh_CN"]), zh
            word = UNIT_NAMES[p.unit]["zh_CN"]
            assert zh.count(word) == 1, zh  # the unit once, not in the label and again after it
            assert not re.search(r"\bseconds\b", p.label["en"].lower()), en
        for name, label in scenario.figures.items():
            # a figure's unit: "(s)" in English, "（秒）" in Chinese, never Latin units there
            assert not re.search(r"\((s|ms|µs|bytes)\b", label["zh_CN"]), (scenario.id, name)
            if label["en"].endswith("(s)"):
                assert "（秒）" in label["zh_CN"] or "秒）" in label["zh_CN"], (scenario.id, name)


def test_cgroup_cpu_quota_bounds_the_usable_cpus(tmp_path):
    """gil's ideal speedup heeds a container's CPU quota, which os.cpu_count() and the
    affinity mask do not show (issue 14 section 1): cgroup v2 and v1 files."""
    from engine.scenarios.base import cgroup_cpu_quota
    v2 = tmp_path / "v2"
    (v2 / "box").mkdir(parents=True)
    (v2 / "box" / "cpu.max").write_text("150000 100000\n")
    own = tmp_path / "own2"
    own.write_text("0::/box\n")
    assert cgroup_cpu_quota(str(v2), str(own)) == 1.5
    (v2 / "box" / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_quota(str(v2), str(own)) is None
    v1 = tmp_path / "v1"
    (v1 / "cpu,cpuacct" / "job").mkdir(parents=True)
    (v1 / "cpu,cpuacct" / "job" / "cpu.cfs_quota_us").write_text("50000\n")
    (v1 / "cpu,cpuacct" / "job" / "cpu.cfs_period_us").write_text("100000\n")
    own1 = tmp_path / "own1"
    own1.write_text("4:memory:/x\n3:cpu,cpuacct:/job\n0::/\n")
    assert cgroup_cpu_quota(str(v1), str(own1)) == 0.5
    (v1 / "cpu,cpuacct" / "job" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_cpu_quota(str(v1), str(own1)) is None
    assert cgroup_cpu_quota(str(v1), str(tmp_path / "missing")) is None
