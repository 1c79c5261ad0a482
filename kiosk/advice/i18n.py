"""Every shopper-facing string of the advice, in every language the kiosk speaks.

`t(key, lang, **kw)` formats one message; a language that lacks a key falls back to
English, an unknown key is a programming error (KeyError). The web app reuses this table
for its own labels so that a store enabling a language gets it everywhere at once.
Wording rules: advice, not diagnosis; no medical claims; numbers beside labels.
"""

from __future__ import annotations

import string

DEFAULT_LANG = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # sides, classes, kinds
        "side.left": "left",
        "side.right": "right",
        "side.both": "left and right",
        "arch.low": "low",
        "arch.normal": "normal",
        "arch.high": "high",
        "rolling.overpronation": "rolls inward (over-pronation)",
        "rolling.neutral": "rolls in a neutral way",
        "rolling.underpronation": "rolls outward (under-pronation)",
        "gait.walking": "walking",
        "gait.running": "running",
        "kind.shoe": "shoe",
        "kind.insole": "insole",
        "category.neutral": "neutral",
        "category.stability": "stability",
        "category.motion_control": "motion control",
        "category.cushioned": "cushioned",
        "support.none": "no arch support",
        "support.low": "light support",
        "support.medium": "medium support",
        "support.high": "firm support",
        "system.eu": "EU",
        "system.uk": "UK",
        "system.us_men": "US men's",
        "system.us_women": "US women's",
        "system.jp_cm": "JP (cm)",
        "system.mondopoint": "Mondopoint",
        # measurements and classes
        "explain.arch": "Your {side} arch is {label}: AHI {value} "
        "(low is {low_max} or less, high is {high_min} or more).",
        "explain.arch_borderline": "Your {side} arch is close to the line between {label} "
        "and {near}: AHI {value}, line at {cut}. Treat it as either.",
        "explain.rolling": "While {gait}, your {side} heel tilts inward by up to {value}° "
        "(inward rolling counts from {high_min}°, outward below {low_max}°): your foot "
        "{label}.",
        "explain.rolling_borderline": "While {gait}, your {side} heel tilts inward by up to "
        "{value}°, close to the line at {cut}°: not a clear call either way.",
        "explain.low_confidence": "The {side} measurement was not very sure "
        "(confidence {confidence}); please take the number as a rough guide.",
        # sizes
        "size.fetch": "Ask for {system} {size}, width {width}.",
        "size.ask": "{system} {size}, width {width}",
        "size.ask_any_width": "{system} {size}",
        "size.ask_gender": "{ask} ({gender})",
        "size.ask_for": "Ask for {asks}.",
        "size.ask_or": " or ",
        "gender.men": "men's",
        "gender.women": "women's",
        "size.fetch_any_width": "Ask for {system} {size}.",
        "size.feet_differ": "Your {longer} foot is {mm} mm longer than the other (about "
        "{sizes} of a size): we chose the size for that foot. Try both shoes on.",
        "size.summary": "Your size: EU {eu}, UK {uk}, US men's {us_men}, US women's "
        "{us_women}, JP {jp_cm} cm, Mondopoint {mondopoint}; width {width} "
        "(JIS {width_jis}).",
        "size.width_wider": "One width wider than measured; lace it a little firmer.",
        # rule reasons (the default rules use these; retailers may add their own text)
        "reason.comfort_first": "Fit and comfort come first: try a few and keep the pair "
        "that feels best from the first steps.",
        "reason.rolling_clear_over": "Your {side} foot clearly rolls inward ({value}°): a "
        "stability or motion-control shoe may help, if it also feels comfortable.",
        "reason.rolling_under": "Your {side} foot rolls outward ({value}°): a neutral, "
        "well-cushioned shoe suits that better than a stability shoe.",
        "reason.arch_low_insole": "Your {side} arch is low: AHI {value}. Insoles with "
        "medium support for a low arch fit that shape.",
        "reason.arch_normal_insole": "Your {side} arch is in the normal range: AHI {value}. "
        "An insole with light to medium support and a medium arch fits it.",
        "reason.arch_high_insole": "Your {side} arch is high: AHI {value}. An insole shaped "
        "for a high arch spreads the pressure under the whole foot.",
        "reason.cushioning_only": "This insole cushions but does not support the arch.",
        # whole-result messages
        "advice.not_diagnosis": "This is fitting advice from a shop measurement, not a "
        "medical diagnosis.",
        "advice.pain": "If your feet, knees or hips hurt, please see a doctor, "
        "physiotherapist or podiatrist before choosing shoes or insoles for it.",
        "advice.pain_reported": "You told us something hurts: please have it looked at by "
        "a doctor, physiotherapist or podiatrist. Shoes and insoles here are for comfort, "
        "not treatment.",
        "advice.need_standing": "Please stand on the mat first so we can measure your size; "
        "we can only suggest shoes in your size.",
        "advice.need_gait": "Walk on the treadmill to see how your feet roll; until then we "
        "suggest neutral shoes.",
        "advice.nothing_fits": "Nothing in stock fits your {kind} size and width right now.",
        "advice.nearest": "Nearest options: {options}.",
        "advice.nearest_item": "{brand} {model} in {system} {size} {width} ({delta})",
        "advice.nearest_none": "Please ask a member of staff; we can order your size.",
        "delta.same": "your size",
        "delta.larger": "{steps} size(s) larger",
        "delta.smaller": "{steps} size(s) smaller",
        "delta.width": "{letters} width(s) off",
        # before / after
        "compare.title": "First walk and walk in {product}",
        "compare.foot": "{side}: {before}° before, {after}° after ({change}).",
        "compare.less": "{value}° less inward tilt",
        "compare.more": "{value}° more inward tilt",
        "compare.same": "about the same (within {band}°)",
        "compare.missing": "{side}: not measured in both walks.",
        "compare.note": "Differences within {band}° are within what the camera can tell "
        "apart. Choose by comfort, not by the number alone.",
    },
    "ja": {
        "side.left": "左",
        "side.right": "右",
        "side.both": "左右",
        "arch.low": "低め",
        "arch.normal": "標準",
        "arch.high": "高め",
        "rolling.overpronation": "内側に倒れ込む傾向(オーバープロネーション)",
        "rolling.neutral": "ニュートラル",
        "rolling.underpronation": "外側に倒れる傾向(アンダープロネーション)",
        "gait.walking": "歩行",
        "gait.running": "ランニング",
        "kind.shoe": "シューズ",
        "kind.insole": "インソール",
        "category.neutral": "ニュートラル",
        "category.stability": "スタビリティ",
        "category.motion_control": "モーションコントロール",
        "category.cushioned": "クッション",
        "support.none": "アーチサポートなし",
        "support.low": "ソフトサポート",
        "support.medium": "ミディアムサポート",
        "support.high": "しっかりサポート",
        "system.eu": "EU",
        "system.uk": "UK",
        "system.us_men": "US メンズ",
        "system.us_women": "US ウィメンズ",
        "system.jp_cm": "JP(cm)",
        "system.mondopoint": "モンドポイント",
        "explain.arch": "{side}足のアーチは{label}です:AHI {value}"
        "({low_max}以下で低め、{high_min}以上で高め)。",
        "explain.arch_borderline": "{side}足のアーチは{label}と{near}の境目付近です:"
        "AHI {value}(境目 {cut})。どちらとも言えます。",
        "explain.rolling": "{gait}中、{side}足のかかとは最大{value}°内側に傾きます"
        "({high_min}°以上で内倒れ、{low_max}°以下で外倒れ):{label}。",
        "explain.rolling_borderline": "{gait}中、{side}足のかかとは最大{value}°内側に傾き、"
        "境目({cut}°)付近です。どちらとも言えません。",
        "explain.low_confidence": "{side}足の測定は確度が高くありません(確度 {confidence})。"
        "数値は目安としてご覧ください。",
        "size.fetch": "{system} {size}、ワイズ {width} をお試しください。",
        "size.ask": "{system} {size}・ワイズ {width}",
        "size.ask_any_width": "{system} {size}",
        "size.ask_gender": "{ask}（{gender}）",
        "size.ask_for": "{asks} をお試しください。",
        "size.ask_or": " または ",
        "gender.men": "メンズ",
        "gender.women": "ウィメンズ",
        "size.fetch_any_width": "{system} {size} をお試しください。",
        "size.feet_differ": "{longer}足がもう一方より{mm} mm長い(約{sizes}サイズ)ため、"
        "長い方の足に合わせてサイズを選びました。両足とも試し履きしてください。",
        "size.summary": "あなたのサイズ:EU {eu}、UK {uk}、US メンズ {us_men}、"
        "US ウィメンズ {us_women}、JP {jp_cm} cm、モンドポイント {mondopoint}、"
        "ワイズ {width}(JIS {width_jis})。",
        "size.width_wider": "測定より1段広いワイズです。靴ひもを少ししっかり締めてください。",
        "reason.comfort_first": "まずはフィット感と履き心地が第一です。何足か試して、"
        "履いた瞬間にいちばん快適なものを選んでください。",
        "reason.rolling_clear_over": "{side}足ははっきり内側に倒れ込んでいます({value}°)。"
        "履き心地が良ければ、スタビリティまたはモーションコントロールのシューズが"
        "役立つかもしれません。",
        "reason.rolling_under": "{side}足は外側に倒れる傾向です({value}°)。"
        "スタビリティよりも、クッション性のあるニュートラルシューズが合います。",
        "reason.arch_low_insole": "{side}足のアーチは低めです:AHI {value}。"
        "低いアーチ向けのミディアムサポートのインソールが形に合います。",
        "reason.arch_normal_insole": "{side}足のアーチは標準の範囲です:AHI {value}。"
        "ソフト〜ミディアムサポートの標準アーチ用インソールが合います。",
        "reason.arch_high_insole": "{side}足のアーチは高めです:AHI {value}。"
        "高いアーチ向けの形のインソールが足裏全体で体重を支えます。",
        "reason.cushioning_only": "このインソールはクッション用で、アーチを支えるものでは"
        "ありません。",
        "advice.not_diagnosis": "これは店頭での測定にもとづくフィッティングのアドバイスで、"
        "医学的な診断ではありません。",
        "advice.pain": "足・ひざ・股関節に痛みがある場合は、靴やインソールを選ぶ前に"
        "医師・理学療法士・足の専門家にご相談ください。",
        "advice.pain_reported": "痛みがあるとのことですので、医師・理学療法士・足の専門家に"
        "ご相談ください。ここでご案内するシューズやインソールは快適さのためのもので、"
        "治療のためのものではありません。",
        "advice.need_standing": "まずマットの上に立ってサイズを測定してください。"
        "サイズに合うシューズだけをご案内します。",
        "advice.need_gait": "トレッドミルを歩くと足の傾き方がわかります。それまでは"
        "ニュートラルシューズをおすすめします。",
        "advice.nothing_fits": "現在、あなたのサイズとワイズに合う{kind}の在庫がありません。",
        "advice.nearest": "近い候補:{options}。",
        "advice.nearest_item": "{brand} {model}({system} {size} {width}、{delta})",
        "advice.nearest_none": "スタッフにお声がけください。お取り寄せできます。",
        "delta.same": "あなたのサイズ",
        "delta.larger": "{steps}サイズ大きい",
        "delta.smaller": "{steps}サイズ小さい",
        "delta.width": "ワイズが{letters}段違う",
        "compare.title": "最初の歩行と{product}での歩行",
        "compare.foot": "{side}:前 {before}°、後 {after}°({change})。",
        "compare.less": "内側への傾きが{value}°減少",
        "compare.more": "内側への傾きが{value}°増加",
        "compare.same": "ほぼ同じ({band}°以内)",
        "compare.missing": "{side}:両方の歩行で測定できませんでした。",
        "compare.note": "{band}°以内の差はカメラで見分けられる範囲内です。"
        "数値だけでなく履き心地で選んでください。",
    },
}


def languages() -> list[str]:
    """Languages with a translation table, default first."""
    return [DEFAULT_LANG, *sorted(k for k in MESSAGES if k != DEFAULT_LANG)]


def has_key(key: str) -> bool:
    """Whether `key` is a known message (in the default language)."""
    return key in MESSAGES[DEFAULT_LANG]


def t(key: str, lang: str = DEFAULT_LANG, **kw: object) -> str:
    """The message `key` in `lang` (falling back to English), formatted with `kw`."""
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANG])
    template = table.get(key)
    if template is None:
        template = MESSAGES[DEFAULT_LANG][key]  # KeyError: unknown key is a bug
    return template.format(**kw)


def placeholders(template: str) -> set[str]:
    """Field names a template uses; ValueError for attribute/index access or bad syntax.

    Retailer-written texts are checked with this before use, so a rules file cannot
    reach object attributes through str.format (e.g. "{side.__class__}").
    """
    names = set()
    for _, field, spec, conv in string.Formatter().parse(template):
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} is not a plain name")
        if conv or (spec and not all(c in "0123456789.f" for c in spec)):
            raise ValueError(f"placeholder {{{field}}} has an unsupported format")
        names.add(field)
    return names
