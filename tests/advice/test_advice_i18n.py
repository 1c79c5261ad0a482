"""The shopper-facing text table: complete in every language, and advice, not diagnosis."""

from __future__ import annotations

import pytest

from kiosk import i18n
from kiosk.advice.rules import load_rules


@pytest.mark.parametrize("lang", [lang for lang in i18n.languages() if lang != "en"])
def test_every_message_is_translated_with_the_same_placeholders(lang):
    en, other = i18n.MESSAGES["en"], i18n.MESSAGES[lang]
    assert set(other) == set(en)
    for key, text in en.items():
        assert i18n.placeholders(other[key]) == i18n.placeholders(text), key


def test_missing_language_falls_back_to_english_and_unknown_keys_are_logged_bugs(caplog):
    assert i18n.t("arch.low", "xx") == "low"
    assert i18n.t("arch.low", "ja") == "低め"
    assert not i18n.has_key("no.such.key")
    with caplog.at_level("ERROR", logger="kiosk.i18n"):
        # a screen never breaks over a word: the key shows, and the log says why
        assert i18n.t("no.such.key", "en") == "no.such.key"
    assert "no translation for 'no.such.key'" in caplog.text


def test_screens_and_advice_share_one_table():
    # screen labels, error sentences and advice text are looked up the same way
    assert i18n.t("welcome.start", "ja") == i18n.MESSAGES["ja"]["welcome.start"]
    assert i18n.t("arch.high", "ja") == i18n.MESSAGES["ja"]["arch.high"]
    assert i18n.error_message("no_feet", "en") == i18n.t("error.no_feet", "en")


def test_shopper_texts_make_no_medical_claims():
    banned = ("cure", "prevent", "heal", "injur", "orthotic", "correct your", "fix your")
    for lang, table in i18n.MESSAGES.items():
        for key, text in table.items():
            for word in banned:
                assert word not in text.lower(), (lang, key, word)
    assert "not a medical diagnosis" in i18n.t("advice.not_diagnosis", "en")
    assert "医学的な診断ではありません" in i18n.t("advice.not_diagnosis", "ja")
    assert "doctor" in i18n.t("advice.pain", "en")


def test_default_rules_explain_with_keys_every_language_has():
    for rule in load_rules().rules:
        if isinstance(rule.explain, str):
            for lang in i18n.languages():
                assert rule.explain in i18n.MESSAGES[lang]
