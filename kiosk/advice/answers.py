"""The shopper's optional questionnaire answers: a closed vocabulary, nothing identifying.

Every answer is a code from a fixed list (bands, not free numbers or text), so a stored
record cannot carry anything but these choices. Each field may be left out; a skipped
questionnaire is no `answers` at all. The screen, the advice plan and the session record
all use this one model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ACHES = ("feet", "heels", "knees", "hips", "lower_back", "none")
HOURS_ON_FEET = ("lt4", "4_8", "gt8")  # hours standing or walking per day
ACTIVITIES = ("hard_floors", "walking", "running", "sport")
SHOE_AGE_MONTHS = ("0_6", "6_12", "12_24", "24_plus")  # everyday shoes
SHOE_KM = ("0_300", "300_500", "500_800", "800_plus")  # running shoes

Ache = Literal["feet", "heels", "knees", "hips", "lower_back", "none"]


class Answers(BaseModel):
    """What the shopper chose on the questionnaire screen (every field optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aches: tuple[Ache, ...] = Field(default=(), max_length=len(ACHES))
    hours_on_feet: Literal["lt4", "4_8", "gt8"] | None = None
    activity: Literal["hard_floors", "walking", "running", "sport"] | None = None
    shoe_age_months: Literal["0_6", "6_12", "12_24", "24_plus"] | None = None
    shoe_km: Literal["0_300", "300_500", "500_800", "800_plus"] | None = None
    heels_at_work: bool | None = None

    @field_validator("aches")
    @classmethod
    def _aches(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("an ache is listed twice")
        if "none" in v and len(v) > 1:
            raise ValueError("'none' cannot be chosen together with an ache")
        return tuple(a for a in ACHES if a in v)  # one canonical order

    @property
    def pain(self) -> bool:
        """Whether the shopper reported anything aching."""
        return any(a != "none" for a in self.aches)

    def is_empty(self) -> bool:
        return self == Answers()


def answers_from_form(form: dict[str, list[str]]) -> Answers:
    """Answers from a submitted form (field name -> chosen values); unknown values are
    dropped rather than refused, since the screen only ever offers the listed codes."""

    def one(name: str, allowed: tuple[str, ...]) -> str | None:
        values = [v for v in form.get(name, []) if v in allowed]
        return values[0] if values else None

    aches = [a for a in ACHES if a in form.get("aches", [])]
    if "none" in aches and len(aches) > 1:
        aches = [a for a in aches if a != "none"]  # an ache ticked wins over "none"
    heels = one("heels_at_work", ("yes", "no"))
    return Answers(
        aches=tuple(aches),
        hours_on_feet=one("hours_on_feet", HOURS_ON_FEET),
        activity=one("activity", ACTIVITIES),
        shoe_age_months=one("shoe_age_months", SHOE_AGE_MONTHS),
        shoe_km=one("shoe_km", SHOE_KM),
        heels_at_work=None if heels is None else heels == "yes",
    )
