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
        # the personal plan (kiosk/advice/plan.py)
        "plan.km.0_300": "0–300",
        "plan.km.300_500": "300–500",
        "plan.km.500_800": "500–800",
        "plan.km.800_plus": "more than 800",
        "ache.feet": "feet",
        "ache.heels": "heels",
        "ache.knees": "knees",
        "ache.hips": "hips",
        "ache.lower_back": "lower back",
        "ache.none": "nothing",
        "plan.list_sep": ", ",
        "plan.source_policy": "kiosk advice",
        "plan.not_diagnosis": "These are observations from a shop measurement and general "
        "suggestions, not a diagnosis or a treatment. Stop any exercise that hurts.",
        "plan.empty_off": "This store does not show exercise or habit suggestions.",
        "plan.left_out": "We left out “{title}” because you told us your {aches} ache: ask "
        "your podiatrist or physiotherapist whether it suits you.",
        "plan.dose": "{sets} × {reps}, {times} time(s) a day",
        "plan.dose_hold": "{sets} × {reps}, hold each {hold_s} s, {times} time(s) a day",
        "plan.dose_weeks": ", for {weeks} weeks",
        "plan.general.text": "Nothing in your measurements or answers points to a particular "
        "exercise or habit: keep choosing shoes by fit and comfort.",
        "plan.clinician.text": "You told us your {aches} ache. Please see a podiatrist or "
        "physiotherapist first: they can examine what a camera cannot. The suggestions below "
        "are general, not a treatment.",
        "plan.chain_arch": "Your {side} arch measured low (AHI {value}; low is {low_max} or less).",
        "plan.chain_roll": "Your {side} heel tilted inward by up to {value}° while walking "
        "(inward rolling counts from {high_min}°).",
        "plan.chain_inward.text": "{details} Feet that flatten and roll inward tend to turn "
        "the shin and knee inward, and the pelvis can follow: when adults with no foot problems "
        "stood on wedges that rolled their feet inward, their pelvis tilted further forward. "
        "That is a tendency seen in groups, not something measured in you today.",
        "plan.knee_inside": "At mid-stance your {side} knee sat {value}° inside the line "
        "from hip to ankle.",
        "plan.knee_outside": "At mid-stance your {side} knee sat {value}° outside the line "
        "from hip to ankle.",
        "plan.knee_line.text": "{details} This is the camera's estimate from one walk; knees "
        "move differently from day to day.",
        "plan.typical_arch": "{side} arch {label} (AHI {value})",
        "plan.typical.text": "Your arches as measured: {details}. Nothing in these numbers "
        "calls for a particular foot exercise.",
        "plan.short_foot.title": "Short-foot exercise",
        "plan.short_foot.how": "Sit with the foot flat. Without curling the toes, draw the "
        "ball of the foot toward the heel so the arch rises; hold, then relax. When it is "
        "easy, do it standing on both feet.",
        "plan.short_foot.text": "For a low arch or a heel that rolls inward: in a small "
        "study of adults without foot problems, four weeks of this exercise raised the arch "
        "a little and reduced how far it dropped.",
        "plan.short_foot.contra": "Not with a painful, swollen or recently hurt foot or "
        "after foot surgery unless your clinician agrees.",
        "plan.single_leg_short_foot.title": "Short foot on one leg",
        "plan.single_leg_short_foot.how": "Stand on one foot beside a wall or a chair back, "
        "hold the short-foot position and keep the knee over the foot; change sides.",
        "plan.single_leg_short_foot.text": "The last step of the same four-week programme, "
        "once the short foot is easy standing on both feet.",
        "plan.single_leg_short_foot.contra": "Not with an aching foot, knee, hip or lower "
        "back, or if you are unsteady on your feet: keep a hand on the support.",
        "plan.plantar_fascia_stretch.title": "Plantar fascia stretch",
        "plan.plantar_fascia_stretch.how": "Sit and cross the aching foot over the other "
        "knee. Pull the toes back toward the shin with one hand until you feel a stretch in "
        "the sole; feel the band under the arch with the other hand. Do the first set before "
        "your first steps in the morning.",
        "plan.plantar_fascia_stretch.text": "You told us your heels ache: in people with "
        "long-standing heel pain, this stretch eased pain more than a calf stretch over "
        "eight weeks.",
        "plan.plantar_fascia_stretch.contra": "Not after a recent tear, a heel injection or "
        "surgery unless your clinician agrees; stop if the pain gets worse.",
        "plan.calf_stretch.title": "Calf stretch at a wall",
        "plan.calf_stretch.how": "Hands on a wall, one foot back with the heel down and the "
        "knee straight; lean forward until you feel the calf stretch.",
        "plan.calf_stretch.text": "For aching heels or heels worn at work: the calf stretch "
        "used as the comparison in the same heel-pain study.",
        "plan.calf_stretch.contra": "Not with a recent calf or Achilles tendon strain unless "
        "your clinician agrees; stop if it hurts.",
        "plan.running_shoe_age.text": "Your running shoes have {km} km in them. "
        "Running shoes lose shock absorption with the distance run in them: we suggest "
        "replacing them from about 500 km, or sooner if they feel flat.",
        "plan.everyday_shoe_age.text": "Your everyday shoes are more than a year old: if the "
        "heel leans or the sole feels flat, a new pair will give back the support.",
        "plan.long_standing.text": "Long hours on your feet or hard floors: wear "
        "well-fitting, cushioned shoes, change position often and sit during breaks; an "
        "insole that matches your arch may feel more comfortable.",
        "plan.heels_at_work.text": "Heels at work: wear flat, comfortable shoes on the way "
        "and lower heels where you can.",
        "plan.orthoses_back.text": "You told us your lower back aches. In a trial with "
        "adults who had long-standing low back pain, custom-made foot insoles improved pain "
        "and function after six weeks compared with no treatment. Ask your clinician whether "
        "that suits you; the insoles sold here are not custom-made.",
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
        "ache.feet": "足",
        "ache.heels": "かかと",
        "ache.knees": "ひざ",
        "ache.hips": "股関節",
        "ache.lower_back": "腰",
        "ache.none": "なし",
        "plan.list_sep": "、",
        "plan.km.0_300": "0〜300",
        "plan.km.300_500": "300〜500",
        "plan.km.500_800": "500〜800",
        "plan.km.800_plus": "800以上",
        "plan.source_policy": "キオスクの推奨",
        "plan.not_diagnosis": "これは店頭での測定にもとづく観察と一般的な提案で、診断や治療で"
        "はありません。痛みが出る運動は中止してください。",
        "plan.empty_off": "この店舗では運動や習慣の提案を表示していません。",
        "plan.left_out": "{aches}が痛むとのことなので「{title}」は外しました。足の専門家や理"
        "学療法士に合うかどうかご相談ください。",
        "plan.dose": "{sets}セット × {reps}回、1日{times}回",
        "plan.dose_hold": "{sets}セット × {reps}回(各{hold_s}秒保持)、1日{times}回",
        "plan.dose_weeks": "、{weeks}週間",
        "plan.general.text": "測定結果と回答からは、特におすすめする運動や習慣はありません。"
        "引き続きフィット感と履き心地で靴を選んでください。",
        "plan.clinician.text": "{aches}が痛むとのことです。まず足の専門家(足病医)や理学療法士"
        "にご相談ください。カメラではわからないことを診てもらえます。以下は一般的な提案で、治"
        "療ではありません。",
        "plan.chain_arch": "{side}足のアーチは低めでした(AHI {value}、{low_max}以下で低め)。",
        "plan.chain_roll": "歩行中、{side}足のかかとは最大{value}°内側に傾きました({high_min}"
        "°以上で内倒れ)。",
        "plan.chain_inward.text": "{details}アーチが下がり内側に倒れ込む足は、すねとひざを内"
        "側に向ける傾向があり、骨盤もそれに続くことがあります。健康な成人が足を内側に倒すくさ"
        "びの上に立つと、骨盤の前傾が大きくなりました。これは集団で見られる傾向で、今日あなた"
        "を測定したものではありません。",
        "plan.knee_inside": "立脚中期、{side}ひざは股関節と足首を結ぶ線より{value}°内側にあり"
        "ました。",
        "plan.knee_outside": "立脚中期、{side}ひざは股関節と足首を結ぶ線より{value}°外側にあ"
        "りました。",
        "plan.knee_line.text": "{details}これは1回の歩行からのカメラの推定値で、ひざの動きは"
        "日によって変わります。",
        "plan.typical_arch": "{side}足のアーチ {label}(AHI {value})",
        "plan.typical.text": "測定したアーチ:{details}。この数値から特に必要な足の運動はあり"
        "ません。",
        "plan.short_foot.title": "ショートフット・エクササイズ",
        "plan.short_foot.how": "座って足裏を床につけます。指を曲げずに、母指球をかかとの方へ"
        "引き寄せてアーチを持ち上げ、保持してから緩めます。楽にできたら両足で立って行います。",
        "plan.short_foot.text": "アーチが低め、またはかかとが内側に倒れる方に。足に問題のない"
        "成人の小規模な研究では、この運動を4週間続けるとアーチがわずかに高くなり、アーチの"
        "落ち込みが小さくなりました。",
        "plan.short_foot.contra": "足が痛む・腫れている・最近けがをした・足の手術後の場合は、"
        "専門家の了承なしに行わないでください。",
        "plan.single_leg_short_foot.title": "片脚でのショートフット",
        "plan.single_leg_short_foot.how": "壁や椅子の背のそばで片脚で立ち、ショートフットの姿"
        "勢を保ち、ひざを足の真上に保ちます。左右を替えます。",
        "plan.single_leg_short_foot.text": "同じ4週間のプログラムの最後の段階です。両足立ちで"
        "ショートフットが楽にできるようになってから行います。",
        "plan.single_leg_short_foot.contra": "足・ひざ・股関節・腰が痛む場合や、ふらつく場合"
        "は行わないでください。支えに手を添えてください。",
        "plan.plantar_fascia_stretch.title": "足底腱膜ストレッチ",
        "plan.plantar_fascia_stretch.how": "座って痛む足を反対のひざに乗せます。片手で足の指"
        "をすねの方へ反らせ、足裏が伸びるのを感じます。もう一方の手で土踏まずの腱を確かめます"
        "。朝、最初の一歩の前に1セット目を行います。",
        "plan.plantar_fascia_stretch.text": "かかとが痛むとのことです。長く続くかかとの痛みの"
        "ある人では、このストレッチの方がふくらはぎのストレッチより8週間で痛みがやわらぎまし"
        "た。",
        "plan.plantar_fascia_stretch.contra": "最近の断裂、かかとへの注射、手術の後は専門家の"
        "了承なしに行わないでください。痛みが強くなったら中止してください。",
        "plan.calf_stretch.title": "壁を使ったふくらはぎのストレッチ",
        "plan.calf_stretch.how": "壁に手をつき、片足を後ろに引いてかかとを床につけ、ひざを伸"
        "ばしたまま、ふくらはぎが伸びるまで体を前に傾けます。",
        "plan.calf_stretch.text": "かかとが痛む方、仕事でヒールを履く方に。同じかかとの痛みの"
        "研究で比較に使われたふくらはぎのストレッチです。",
        "plan.calf_stretch.contra": "最近ふくらはぎやアキレス腱を痛めた場合は専門家の了承なし"
        "に行わないでください。痛みが出たら中止してください。",
        "plan.running_shoe_age.text": "ランニングシューズの走行距離は{km} kmです。ランニン"
        "グシューズは走った距離とともに衝撃吸収性が落ちます。約500 kmからの買い替え、またはへ"
        "たりを感じたら早めの買い替えをおすすめします。",
        "plan.everyday_shoe_age.text": "普段の靴は1年以上使っています。かかとが傾いたり靴底が"
        "へたったりしていれば、新しい靴で支えが戻ります。",
        "plan.long_standing.text": "長時間の立ち仕事や硬い床では、よく合うクッション性のある"
        "靴を履き、こまめに姿勢を変え、休憩中は座りましょう。アーチに合うインソールで楽になる"
        "ことがあります。",
        "plan.heels_at_work.text": "仕事でヒールを履く方は、通勤には平らで楽な靴を履き、でき"
        "るところでは低めのヒールにしましょう。",
        "plan.orthoses_back.text": "腰が痛むとのことです。長く続く腰痛のある成人の試験では、"
        "オーダーメイドの足のインソールで、治療なしと比べて6週間後に痛みと機能が改善しました"
        "。自分に合うかどうかは専門家にご相談ください。当店のインソールはオーダーメイドではあ"
        "りません。",
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
