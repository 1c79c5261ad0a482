"""Retailer rules: validated declarative JSON, clear errors, no code, versioned like catalogues."""

from __future__ import annotations

import json

import pytest

from kiosk.advice.rules import (
    RulesRejectedError,
    RulesStore,
    load_rules,
    parse_rules,
    parse_rules_bytes,
)


def _doc(*rules: dict, **top) -> dict:
    return {"format": "kiosk.rules/1", "rules": list(rules), **top}


OK_RULE = {"id": "r1", "when": {"arch": "low"}, "prefer": {"support_level": {"medium": 2}}}


def test_default_rules_are_valid_and_follow_the_evidence():
    rules = load_rules()
    by_id = {r.id: r for r in rules.rules}
    # stability/motion control only on clear over-pronation
    clear = by_id["clear-overpronation"]
    assert clear.when == {"rolling": "overpronation", "rolling_clear": True}
    assert set(clear.prefer["category"]) == {"stability", "motion_control"}
    for r in rules.rules:
        if r.id != "clear-overpronation":
            assert r.prefer.get("category", {}).get("stability", 0) <= 0
            assert r.prefer.get("category", {}).get("motion_control", 0) <= 0
    assert by_id["motion-control-only-when-clear"].exclude == {"category": ("motion_control",)}
    # insole support matched to arch type; cushioning-only insoles ranked down
    assert by_id["low-arch-insole"].prefer["arch_profile"] == {"low": 2.0}
    assert by_id["cushioning-only-insoles-last"].prefer["support_level"]["none"] < 0


def test_unknown_keys_are_errors_with_a_suggestion():
    doc = _doc({**OK_RULE, "prefr": {}}, limts={"shoe": 2})
    with pytest.raises(RulesRejectedError) as e:
        parse_rules(doc)
    text = str(e.value)
    assert "limts: unknown key (did you mean 'limits'?)" in text
    assert "rules[0] (r1).prefr: unknown key (did you mean 'prefer'?)" in text


def test_bad_values_name_their_path():
    rule = {
        "id": "r2",
        "when": {"arch": "flat", "rolling_clear": "yes", "ahi": {"below": 0.3}},
        "prefer": {"category": {"stabilty": 2}, "colour": {"red": 1}},
        "exclude": {"support_level": ["extreme"]},
    }
    with pytest.raises(RulesRejectedError) as e:
        parse_rules(_doc(rule))
    text = str(e.value)
    assert "rules[0] (r2).when.arch: 'flat' is not one of low, normal, high" in text
    assert "when.rolling_clear: must be true or false" in text
    assert "when.ahi.below: unknown comparison" in text
    assert "prefer.category.stabilty: not one of" in text and "did you mean 'stability'" in text
    assert "prefer.colour: unknown product field" in text
    assert "exclude.support_level: 'extreme' is not one of" in text


def test_rules_need_unique_ids_and_an_action():
    with pytest.raises(RulesRejectedError) as e:
        parse_rules(_doc(OK_RULE, OK_RULE, {"id": "r3", "when": {}}))
    assert "rules[1] (r1).id: is used twice" in str(e.value)
    assert "rules[2] (r3): needs a 'prefer' or an 'exclude' action" in str(e.value)


def test_own_texts_may_use_only_known_placeholders_and_no_attribute_access():
    for text, problem in [
        ("Hi {side.__class__}", "not a plain name"),
        ("{value[0]}", "not a plain name"),
        ("{secret}", "unknown placeholder {secret}"),
        ("{value!r}", "unsupported format"),
    ]:
        rule = {**OK_RULE, "explain": {"en": text}}
        with pytest.raises(RulesRejectedError) as e:
            parse_rules(_doc(rule))
        assert problem in str(e.value), text
    ok = parse_rules(_doc({**OK_RULE, "explain": {"en": "Your {side} arch: {value}", "ja": "x"}}))
    assert ok.rules[0].explain == {"en": "Your {side} arch: {value}", "ja": "x"}


def test_explain_keys_must_exist_in_the_translation_table():
    with pytest.raises(RulesRejectedError, match=r"unknown message key 'reason\.nope'"):
        parse_rules(_doc({**OK_RULE, "explain": "reason.nope"}))


def test_code_in_a_rules_file_is_just_an_invalid_value():
    rule = {"id": "r4", "when": {"arch": "__import__('os').system('x')"},
            "prefer": {"category": {"neutral": 1}}}  # fmt: skip
    with pytest.raises(RulesRejectedError, match="is not one of low, normal, high"):
        parse_rules(_doc(rule))


def test_malformed_uploads_are_rejected_with_a_reason():
    with pytest.raises(RulesRejectedError, match="line 1: invalid JSON"):
        parse_rules_bytes(b"{nope")
    with pytest.raises(RulesRejectedError, match="not UTF-8"):
        parse_rules_bytes(b'{"a": "\xff"}')
    with pytest.raises(RulesRejectedError, match=r"must be 'kiosk\.rules/1'"):
        parse_rules({"rules": [OK_RULE]})
    with pytest.raises(RulesRejectedError, match="rules: must be a non-empty list"):
        parse_rules(_doc())


def test_rules_store_keeps_the_active_version_when_an_upload_is_rejected(tmp_path):
    store = RulesStore(tmp_path)
    assert store.load_or_default().rules == load_rules().rules
    v1 = store.import_bytes(json.dumps(_doc(OK_RULE)).encode())
    assert [r.id for r in store.load().rules] == ["r1"]
    with pytest.raises(RulesRejectedError):
        store.import_bytes(b'{"format": "kiosk.rules/1", "rules": [{"id": "Bad Id"}]}')
    assert store.active_version() == v1 and store.versions() == [v1]
    assert store.load().version == v1
