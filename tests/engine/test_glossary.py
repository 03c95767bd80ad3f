"""The Chinese texts use the glossary's terms (docs/glossary.md), never its rejected variants.

Checked: every Chinese string literal of the scenario modules (titles, lessons, knobs,
figure labels, phases and the verdicts' templates), the shared knob and figure labels,
and the window catalogue's translations.
"""
import ast
import glob
import os
import re
import xml.etree.ElementTree as ET

from engine import scenarios

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GLOSSARY = os.path.join(ROOT, "docs", "glossary.md")
TS = os.path.join(ROOT, "resources", "translations", "gilscope_zh_CN.ts")
CJK = re.compile(u"[\u4e00-\u9fff]")


def glossary_rows() -> list:
    """[(english, [preferred terms], [rejected variants])] from the glossary's table."""
    rows = []
    with open(GLOSSARY, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 4 or cells[0] in ("English", "---") or set(cells[0]) <= set("-"):
                continue
            english, chinese, rejected, _ = cells
            preferred = [t.strip() for t in re.split(u"[（）/,，]", chinese) if t.strip()]
            rows.append((english, preferred, [v.strip() for v in rejected.split(",") if v.strip()]))
    return rows


def chinese_strings() -> list:
    """(where, text) of every string literal with Chinese in it, in the files checked."""
    files = sorted(glob.glob(os.path.join(ROOT, "engine", "scenarios", "*.py")))
    files.append(os.path.join(ROOT, "engine", "params.py"))
    found = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
                found.append(("%s:%d" % (os.path.relpath(path, ROOT), node.lineno), node.value))
    for message in ET.parse(TS).getroot().iter("message"):
        found.append(("gilscope_zh_CN.ts: " + message.findtext("source"),
                      message.find("translation").text or ""))
    return found


def test_the_glossary_has_the_terms_the_review_asked_for():
    rows = {english: preferred for english, preferred, _ in glossary_rows()}
    assert u"竞态条件" in rows["race condition"] and u"原子操作" in rows["atomic operation"]
    assert u"全局解释器锁" in rows["Global Interpreter Lock (GIL)"]
    assert u"副本" in rows["copy (of memory, of globals)"]
    assert len(rows) >= 30


def test_no_chinese_text_uses_a_rejected_variant():
    rows = glossary_rows()
    problems = []
    for where, text in chinese_strings():
        for english, preferred, rejected in rows:
            # a variant inside the preferred term itself (取锁 in 获取锁) is not a use of it
            masked = text
            for term in sorted(preferred, key=len, reverse=True):
                masked = masked.replace(term, u"\u2003" * len(term))
            for variant in rejected:
                if variant in masked:
                    problems.append("%s: %r uses %r (glossary: %s -> %s)"
                                    % (where, text[:60], variant, english, "/".join(preferred)))
    assert problems == [], "\n".join(problems)


def test_the_race_lesson_uses_the_posts_words():
    race = scenarios.get("race")
    assert u"竞态条件" in race.title["zh_CN"]
    assert u"原子操作" in race.lesson["zh_CN"]
    gil = scenarios.get("gil")
    assert u"全局解释器锁" in gil.lesson["zh_CN"]


def test_a_rejected_variant_is_caught():
    """The check can fail: a text with 工作者 or 拷贝 is reported, 获取锁 is not."""
    rows = glossary_rows()
    def flagged(text):
        masked_hits = []
        for _, preferred, rejected in rows:
            masked = text
            for term in sorted(preferred, key=len, reverse=True):
                masked = masked.replace(term, u"\u2003" * len(term))
            masked_hits += [v for v in rejected if v in masked]
        return masked_hits
    assert u"工作者" in flagged(u"每个工作者的循环次数")
    assert u"拷贝" in flagged(u"父进程内存的一份拷贝")
    assert flagged(u"先获取锁 A 再获取 B") == []
    assert u"取锁" in flagged(u"先取锁 A")
