"""Every error and guidance code the vision code can raise reads as a sentence in every
language the kiosk ships; no English from the measuring code reaches a shopper."""

from __future__ import annotations

import pytest

from kiosk.errors import CODES, KioskError, NoFeetFound, StepBack
from kiosk.i18n import MESSAGES, error_message, guidance


@pytest.mark.parametrize("lang", sorted(MESSAGES))
@pytest.mark.parametrize("code", sorted(CODES))
def test_every_error_code_has_a_sentence_in_every_language(code, lang):
    assert f"error.{code}" in MESSAGES[lang]
    text = error_message(code, lang)
    assert text and text != f"error.{code}"


def test_japanese_shopper_never_reads_the_vision_codes_english_message():
    err = NoFeetFound("only one foot found: please stand with both feet on the mat", "one_foot")
    ja = error_message(err.code, "ja")
    assert "foot" not in ja and "片足" in ja
    assert guidance(err.code, "ja") == MESSAGES["ja"]["guidance.one_foot"]
    # a code without a live hint falls back to its error sentence, still translated
    assert guidance("no_mat", "ja") == MESSAGES["ja"]["error.no_mat"]


def test_errors_keep_their_class_code_unless_told_a_specific_one():
    assert StepBack("x").code == "step_back_both"
    assert StepBack("x", "step_back_left").code == "step_back_left"
    with pytest.raises(ValueError, match="unknown error code"):
        KioskError("x", "not_a_code")
