"""Every word the kiosk shows, in every language it speaks, and the one `t()` that looks
them up: the screens, the JavaScript, the error and guidance sentences for the stable codes
(kiosk.errors.CODES) and the advice text all come from this table.

A language that lacks a key falls back to English (logged); an unknown key is a bug the
tests catch, logged and shown as the key itself so a screen never breaks over a word.
Wording rules: advice, not diagnosis; no medical claims; numbers beside labels.
"""

from __future__ import annotations

import logging
import string
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_LANG = "en"
LANGUAGES = {"en": "English", "ja": "日本語"}  # each language's name in itself

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # ---- the advice: classes, sizes, products, the plan ----
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
        # ---- the screens: shopper, staff, retail, errors and guidance ----
        "app.title": "Foot check",
        "welcome.title": "How do your feet stand and roll?",
        "welcome.lead": "Measure both feet, see your size, arch and walk, and get advice "
        "for shoes and insoles. About two minutes.",
        "welcome.start": "Start",
        "welcome.language": "Language",
        "privacy.title": "Before we start",
        "privacy.body": "The camera measures your feet. We keep only numbers "
        "(lengths, angles, sizes) with no name, photo or video. They help this store "
        "plan sizes and are deleted after {days} days.",
        "privacy.qa": "Quality checks are on: the camera images of this visit are kept for "
        "{hours} hours to check the measurement, then deleted.",
        "privacy.sex": "Size chart (optional)",
        "privacy.sex_female": "Women's",
        "privacy.sex_male": "Men's",
        "privacy.sex_none": "Skip",
        "privacy.agree": "I agree, start",
        "privacy.decline": "No thanks",
        "standing.title": "Stand on the mat",
        "standing.instructions": "Socks or bare feet. Heels against the back stop, "
        "feet apart, weight on both feet.",
        "standing.start": "Measure my feet",
        "standing.countdown": "Hold still… {n}",
        "standing.heels": "Step back until both heels touch the heel stop.",
        "standing.capturing": "Measuring… hold still",
        "standing.analysing": "Working it out…",
        "standing.ok": "Done!",
        "walk.title": "Walk on the treadmill",
        "walk.instructions": "Put your shoes on, step on the treadmill and walk at an easy "
        "pace. We watch your heels from behind.",
        "walk.start": "Start walking",
        "walk.skip": "Skip the walk",
        "walk.steps": "Steps: {n}",
        "walk.remaining": "{s} s left",
        "walk.analysing": "Looking at your steps…",
        "walk.preparing": "Getting the treadmill camera ready… {p} %",
        "walk.ready": "Ready when you are.",
        "results.title": "Your feet",
        "results.left": "Left",
        "results.right": "Right",
        "results.length": "Length",
        "results.width": "Width",
        "results.arch_height": "Arch height",
        "results.size": "Your size",
        "results.width_fit": "Width",
        "results.arch": "Arch",
        "results.rolling": "How your feet roll",
        "results.rearfoot_chart": "Heel angle while walking",
        "results.chart_axis_x": "gait cycle (%)",
        "results.chart_axis_y": "heel tilt (°)",
        "results.chart_heel_strike": "heel strike",
        "results.chart_toe_off": "toe-off",
        "results.chart_toe_off_typical": "toe-off (typical)",
        "results.chart_swing": "swing: heel in the air, not measured",
        "results.chart_normal": "normal peak range {lo}–{hi}°",
        "results.chart_note": "Lines show the heel while the foot is on the ground (stance).",
        "results.size_chart_hint": "Tap the size chart you shop in: the suggestions use it.",
        "results.eversion": "peak heel tilt {deg}°",
        "results.cadence": "{spm} steps per minute",
        "results.no_walk": "No walk measured.",
        "results.body": "Knees and hips",
        "results.recommendations": "Suggested for you",
        "results.in_stock": "In stock",
        "results.out_of_stock": "Ask staff",
        "results.qr": "Take it with you",
        "results.qr_hint": "Scan to open a printable summary. The link expires in {hours} hours.",
        "results.done": "Finish",
        "results.none": "No suggestions for this store's range.",
        "try.title": "Try a pair and walk again",
        "try.lead": "Walk again in a shoe or insole from the store and see both walks "
        "side by side.",
        "try.start": "Try a pair and walk again",
        "try.see": "See the comparison ({n})",
        "try.suggested": "Suggested for you",
        "try.catalogue": "Everything in the store",
        "try.limit": "That is as many walks as one visit keeps.",
        "try.back": "Back to your results",
        "try.walk_title": "Walk in {product}",
        "try.compare_title": "Your walks side by side",
        "try.first_walk": "First walk",
        "try.change": "Change",
        "try.another": "Try another pair",
        # the optional questionnaire after consent, and the plan on results and summary
        "questions.title": "A few questions (optional)",
        "questions.lead": "Your answers shape the exercises and tips we show. No name, "
        "nothing that identifies you. Skip any question.",
        "questions.aches": "Does anything ache?",
        "questions.aches_none": "Nothing aches",
        "questions.hours": "Hours standing or walking per day",
        "questions.hours_lt4": "Under 4 h",
        "questions.hours_4_8": "4–8 h",
        "questions.hours_gt8": "Over 8 h",
        "questions.activity": "Main activity",
        "questions.activity_hard_floors": "Work on hard floors",
        "questions.activity_walking": "Walking",
        "questions.activity_running": "Running",
        "questions.activity_sport": "Sport",
        "questions.shoe_age": "Age of your everyday shoes",
        "questions.shoe_age_0_6": "Under 6 months",
        "questions.shoe_age_6_12": "6–12 months",
        "questions.shoe_age_12_24": "1–2 years",
        "questions.shoe_age_24_plus": "Over 2 years",
        "questions.shoe_km": "If you run: distance in your running shoes",
        "questions.shoe_km_0_300": "Under 300 km",
        "questions.shoe_km_300_500": "300–500 km",
        "questions.shoe_km_500_800": "500–800 km",
        "questions.shoe_km_800_plus": "Over 800 km",
        "questions.heels": "Heels at work?",
        "questions.yes": "Yes",
        "questions.no": "No",
        "questions.skip": "Skip",
        "questions.next": "Continue",
        "plan.title": "Your plan",
        "plan.clinician": "First",
        "plan.observations": "What we saw",
        "plan.exercises": "Exercises",
        "plan.habits": "Everyday habits",
        "plan.store": "From this store",
        "plan.dose_label": "How much",
        "plan.contra_label": "Not if",
        "plan.source_label": "Source",
        "plan.left_out_head": "Left out for now",
        "class.low": "Low arch",
        "class.normal": "Normal arch",
        "class.high": "High arch",
        "class.overpronation": "Rolls inward (over-pronation)",
        "class.neutral": "Neutral",
        "class.underpronation": "Rolls outward (supination)",
        "class.unknown": "Not measured",
        "error.title": "Let's try that again",
        "error.no_feet": "We could not see your feet. Please stand in the middle of the mat.",
        "error.no_mat": "The camera cannot see the mat. Please ask a member of staff.",
        "error.no_legs": "We could see your feet but not your legs. Please stand up straight "
        "on the mat.",
        "error.one_foot": "We could only see one foot. Please stand with both feet on the mat, "
        "a little apart.",
        "error.foot_hidden": "Part of a foot is hidden. Please stand with both feet flat on "
        "the mat, toes pointing to the screen.",
        "error.other_person": "We can see more than two feet on the mat. Please stand on it "
        "on your own, with both feet.",
        "error.clothing_over_feet": "Your clothes cover your feet or ankles. Please roll your "
        "trousers up above the ankles, or hold your skirt or dress above the knees.",
        "error.feet_overlap": "Your feet are touching. Please stand with your feet a "
        "little apart, one on each side of the mat.",
        "error.one_leg": "One foot is off the mat. Please stand on both feet, heels against "
        "the back stop.",
        "error.moving": "You moved while we measured. Please stand still for two seconds.",
        "error.step_back_both": "Please step back until both heels touch the back stop.",
        "error.step_back_left": "Please move your left foot back until the heel touches the "
        "back stop.",
        "error.step_back_right": "Please move your right foot back until the heel touches "
        "the back stop.",
        "error.no_belt": "The camera cannot see the treadmill. Please ask a member of staff.",
        "error.no_feet_treadmill": "We could not see your feet on the treadmill. Please walk "
        "in the middle of the belt.",
        "error.too_few_steps": "We need a few more steps. Please walk a little longer.",
        "error.one_leg_treadmill": "We could only see one of your legs. Please walk in the "
        "middle of the belt.",
        "error.camera_too_high": "The treadmill camera hangs too high. Please ask a member of "
        "staff to lower it to 20-50 cm above the belt, aimed at the heels.",
        "error.camera_too_far": "The treadmill camera is too far away. Please ask a member of "
        "staff to move it 70-120 cm behind the heels, aimed at them.",
        "error.camera_unavailable": "The camera is not available right now. Please ask a "
        "member of staff.",
        "error.bad_input": "Something went wrong with the camera. Please try again.",
        "error.model_error": "Something went wrong. Please try again or ask a member of staff.",
        "error.config_error": "Something went wrong. Please try again or ask a member of "
        "staff.",
        "error.catalogue_error": "Something went wrong. Please try again or ask a member of "
        "staff.",
        "error.StoreUnavailable": "Your results are shown, but could not be saved. Staff have "
        "been told.",
        "error.generic": "Something went wrong. Please try again or ask a member of staff.",
        "error.retry": "Try again",
        "error.restart": "Start over",
        "error.not_found": "This page does not exist.",
        "error.expired": "This link has expired.",
        "error.forbidden": "You do not have access to this page.",
        "error.too_large": "That request was too large.",
        "error.rate_limited": "Too many attempts. Please wait a minute.",
        "error.csrf": "The form expired. Please try again.",
        "camera.unavailable": "Camera unavailable — waiting for it to come back…",
        "guidance.no_feet": "We can't see your feet yet: step onto the middle of the mat.",
        "guidance.step_back_left": "Move your left foot back a little, to the heel stop.",
        "guidance.step_back_right": "Move your right foot back a little, to the heel stop.",
        "guidance.step_back_both": "Step back a little, until both heels touch the heel stop.",
        "guidance.one_foot": "We can see one foot: put both feet on the mat, a little apart.",
        "idle.warning": "Still there? Touch the screen to continue.",
        "summary.title": "Foot check summary",
        "summary.print": "Print",
        "summary.date": "Measured on {date}",
        "nav.back": "Back",
        "nav.home": "Start over",
        "staff.title": "Staff",
        "staff.pin": "Staff PIN",
        "staff.login": "Unlock",
        "staff.logout": "Lock",
        "staff.bad_pin": "Wrong PIN. After several wrong PINs, wait a few minutes between tries.",
        "account.pin_digits": "The PIN must be 6 to 12 digits.",
        "account.pin_guessable": "That PIN is too easy to guess (repeated or in sequence).",
        "account.password_length": "The password must be 12 to 128 characters.",
        "account.password_has_username": "The password must not contain the username.",
        "account.bad_username": "Usernames are 1-64 letters, digits and . _ @ -",
        "account.bad_role": "The role must be staff, retailer or admin.",
        "account.retailer_needed": "Retailer accounts need a retailer id; others have none.",
        "account.exists": "That account already exists.",
        "account.unknown": "No such account.",
        "account.wrong_current": "The current PIN or password is wrong.",
        "account.mismatch": "The two new entries differ.",
        "account.changed": "Changed. Sign in again with the new one.",
        "account.current": "Current",
        "account.new": "New",
        "account.repeat": "New, again",
        "account.change_pin": "Change PIN",
        "account.change_password": "Change password",
        "account.accounts": "Accounts",
        "account.add": "Add account",
        "account.role": "Role",
        "account.retailer": "Retailer",
        "account.disable": "Disable",
        "account.enable": "Enable",
        "account.set_password": "Set password",
        "account.disabled": "disabled",
        "staff.qr_link_off": "QR summaries: off (no public address configured).",
        "staff.qr_link_ok": "QR summaries open at {url} (it answers).",
        "staff.qr_link_bad": "QR summaries at {url} do not answer from here: {reason}",
        "staff.camera": "Cameras",
        "staff.camera_connected": "Connected",
        "staff.camera_disconnected": "Not connected",
        "staff.fps": "Frame rate",
        "staff.fill": "Depth fill",
        "staff.dropped": "Dropped frames",
        "staff.firmware": "Firmware",
        "staff.heel_strip": "Heel strip",
        "staff.heel_strip_state": "left heel {left}, right heel {right}",
        "staff.heel_pressed": "pressed",
        "staff.heel_open": "not pressed",
        "staff.heel_strip_unavailable": (
            "not answering ({reason}); the camera alone checks the heels"
        ),
        "staff.calibrate": "Calibrate",
        "staff.calibrate_standing": "Calibrate standing mat",
        "staff.calibrate_gait": "Calibrate treadmill",
        "staff.calib_step_board": "Lay the printed board flat on the {where} and press Detect.",
        "staff.calib_detect": "Detect",
        "staff.calib_pass": "Calibration passed",
        "staff.calib_fail": "Calibration failed",
        "staff.calib_download": "Printable board",
        "staff.calib_saved": "Saved to {path}",
        "staff.calib_previous": "Current calibration",
        "staff.calib_none": "Not calibrated yet",
        "staff.calib_unreadable": "Calibration file unreadable: {reason}",
        "staff.calib_height": "Camera height",
        "staff.calib_pitch": "Camera pitch",
        "staff.calib_board_height": "Camera height from the board",
        "staff.calib_board_pitch": "Camera pitch from the board",
        "staff.calib_floor_rms": "Floor plane RMS",
        "staff.calib_square": "Printed square measured",
        "staff.calib_corners": "Board corners found",
        "staff.calib_reprojection": "Board reprojection error",
        "staff.calib_roi": "Treadmill region (x, y, w, h)",
        "staff.calib_created": "Calibrated at",
        "staff.check.board_found": "Board found",
        "staff.check.floor_found": "Floor plane found",
        "staff.check.reprojection": "Board pose sharp",
        "staff.check.depth_scale": "Depth scale within tolerance",
        "staff.check.floor_flat": "Floor flat",
        "staff.check.board_on_floor": "Board pose agrees with the floor",
        "staff.remeasure_height": "Camera height change",
        "staff.remeasure_pitch": "Camera pitch change",
        "staff.remeasure": "Re-measure check",
        "staff.remeasure_hint": "Lay the printed board on the mat and press Check: its "
        "measured size is compared with the printed size.",
        "staff.remeasure_ok": "Within tolerance",
        "staff.remeasure_bad": "Out of tolerance — recalibrate",
        "staff.catalogue": "Catalogue",
        "staff.catalogue_upload": "Upload catalogue (CSV)",
        "staff.catalogue_ok": "Catalogue version {version} is active ({n} products).",
        "staff.rules": "Advice rules",
        "staff.rules_save": "Save rules",
        "staff.qa": "QA mode",
        "staff.qa_on": "QA mode on until {until}",
        "staff.qa_off": "QA mode off: no images are kept.",
        "staff.qa_enable": "Turn on for {hours} h",
        "staff.qa_disable": "Turn off",
        "staff.outbox": "Waiting to send to HQ: {n}",
        "staff.models_geometry_only": "Learned models not loaded, measuring with geometry "
                                      "only: {reason}",
        "staff.saved": "Saved.",
        "retail.title": "Store dashboard",
        "retail.username": "Username",
        "retail.password": "Password",
        "retail.login": "Sign in",
        "retail.logout": "Sign out",
        "retail.bad_login": "Wrong username or password. After several wrong tries, wait a "
        "few minutes between tries.",
        "retail.from": "From",
        "retail.to": "To",
        "retail.stores": "Stores",
        "retail.all_stores": "All stores",
        "retail.apply": "Apply",
        "retail.per_day": "Sessions per day",
        "retail.per_hour": "Sessions per hour",
        "retail.funnel": "Completion funnel",
        "retail.size_curve": "Size curve (EU)",
        "retail.arch_mix": "Arch types",
        "retail.rolling_mix": "Rolling",
        "retail.rec_mix": "Recommended products",
        "retail.plan_mix": "Plan advice shown",
        "planitem.clinician": "Pointer to a podiatrist or physiotherapist",
        "planitem.chain_inward": "Kinetic-chain note (low arch / inward roll)",
        "planitem.knee_line": "Knee angle note",
        "planitem.typical": "Arches in the typical range",
        "planitem.short_foot": "Short-foot exercise",
        "planitem.single_leg_short_foot": "Short foot on one leg",
        "planitem.plantar_fascia_stretch": "Plantar fascia stretch",
        "planitem.calf_stretch": "Calf stretch",
        "planitem.running_shoe_age": "Running shoes: replace by distance",
        "planitem.everyday_shoe_age": "Everyday shoes: replace by age",
        "planitem.long_standing": "Long standing on hard floors",
        "planitem.heels_at_work": "Heels at work",
        "planitem.orthoses_back": "Lower back: insoles trial",
        "planitem.general": "Nothing stands out",
        "retail.oos": "Recommended but out of stock",
        "retail.export": "Download CSV",
        "retail.tokens": "API tokens",
        "retail.token_new": "New read-only token",
        "retail.token_name": "Name",
        "retail.token_created": "Copy this token now; it is not shown again: {token}",
        "retail.token_revoke": "Revoke",
        "retail.kiosk_tokens": "Kiosk ingest tokens",
        "retail.kiosk_id": "Kiosk id",
        "retail.stage.started": "Started",
        "retail.stage.consent": "Consent",
        "retail.stage.standing": "Standing",
        "retail.stage.walk": "Walk",
        "retail.stage.results": "Results",
        "retail.stage.qr": "QR",
        "retail.sessions": "sessions",
        "retail.product": "Product",
        "retail.count": "Count",
        "retail.tries": "Before/after walks by product",
        "retail.tries_hint": "{n} walks in a product after the first walk; whether the rolling "
        "class (the foot that matters more) changed from the first walk's.",
        "retail.axis.tries": "walks",
        "retail.try.changed": "rolling class changed",
        "retail.try.same": "same class",
        "retail.try.unknown": "not classed",
        "retail.over_time": "Sessions over time",
        "retail.grain.day": "Day",
        "retail.grain.week": "Week",
        "retail.grain.month": "Month",
        "retail.heatmap": "When shoppers come (hour of day × weekday, UTC)",
        "retail.stock": "What to stock: sizes × widths",
        "retail.stock_hint": "Measured shoppers per EU size and width, with each cell's share "
        "of all sized sessions.",
        "retail.stock_export": "Download this table (CSV)",
        "retail.stores_compare": "Stores side by side",
        "retail.oos_by_size": "Recommended but out of stock, by shopper's size",
        "retail.print": "Print",
        "retail.empty": "No sessions in this range.",
        "retail.kpi.started": "Sessions",
        "retail.kpi.results": "Reached results",
        "retail.kpi.qr": "Took a QR summary",
        "retail.axis.sessions": "sessions",
        "retail.axis.size_eu": "EU size",
        "retail.axis.hour": "hour of day",
        "retail.axis.period": "period starting",
        "retail.share_of_started": "of started",
        "retail.drop_off": "drop-off",
        "retail.recommended": "recommended",
        "retail.out_of_stock": "out of stock",
        "retail.in_stock": "in stock",
        "retail.width": "width",
        "retail.size": "EU size",
        "retail.total": "Total",
        "retail.store": "Store",
        "retail.results_share": "Reached results",
        "retail.stage": "Step",
        "retail.wd.mon": "Mon",
        "retail.wd.tue": "Tue",
        "retail.wd.wed": "Wed",
        "retail.wd.thu": "Thu",
        "retail.wd.fri": "Fri",
        "retail.wd.sat": "Sat",
        "retail.wd.sun": "Sun",
        "retail.sex.female": "women",
        "retail.sex.male": "men",
        "retail.sex.unspecified": "not given",
    },
    "ja": {
        # ---- the advice: classes, sizes, products, the plan ----
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
        # ---- the screens: shopper, staff, retail, errors and guidance ----
        "app.title": "足の測定",
        "welcome.title": "あなたの足の立ち方と歩き方は？",
        "welcome.lead": "両足を測定し、サイズ・アーチ・歩き方を確認して、靴とインソールの"
        "アドバイスを受け取れます。約2分です。",
        "welcome.start": "スタート",
        "welcome.language": "言語",
        "privacy.title": "はじめる前に",
        "privacy.body": "カメラで足を測定します。保存するのは数値（長さ・角度・サイズ）のみで、"
        "名前・写真・動画は保存しません。数値は店舗のサイズ計画に使われ、{days}日後に削除されます。",
        "privacy.qa": "品質確認中です：この測定のカメラ画像は測定確認のため{hours}時間保存され、"
        "その後削除されます。",
        "privacy.sex": "サイズ表（任意）",
        "privacy.sex_female": "レディース",
        "privacy.sex_male": "メンズ",
        "privacy.sex_none": "選ばない",
        "privacy.agree": "同意してスタート",
        "privacy.decline": "やめる",
        "standing.title": "マットの上に立ってください",
        "standing.instructions": "靴下または素足で、かかとを後ろのストッパーに付け、"
        "足を少し開いて両足に体重をかけてください。",
        "standing.start": "足を測る",
        "standing.countdown": "動かないでください… {n}",
        "standing.heels": "両方のかかとがストッパーに付くまで下がってください。",
        "standing.capturing": "測定中… そのままで",
        "standing.analysing": "計算中…",
        "standing.ok": "完了！",
        "walk.title": "トレッドミルで歩いてください",
        "walk.instructions": "靴を履いてトレッドミルに乗り、楽なペースで歩いてください。"
        "後ろからかかとを見ます。",
        "walk.start": "歩き始める",
        "walk.skip": "歩行測定をスキップ",
        "walk.steps": "歩数：{n}",
        "walk.remaining": "残り{s}秒",
        "walk.analysing": "歩き方を分析中…",
        "walk.preparing": "トレッドミルのカメラを準備中… {p} %",
        "walk.ready": "準備ができました。",
        "results.title": "あなたの足",
        "results.left": "左",
        "results.right": "右",
        "results.length": "足長",
        "results.width": "足幅",
        "results.arch_height": "アーチ高",
        "results.size": "あなたのサイズ",
        "results.width_fit": "ワイズ",
        "results.arch": "アーチ",
        "results.rolling": "足の倒れ込み",
        "results.rearfoot_chart": "歩行中のかかとの角度",
        "results.chart_axis_x": "歩行周期（%）",
        "results.chart_axis_y": "かかとの傾き（°）",
        "results.chart_heel_strike": "接地",
        "results.chart_toe_off": "離地",
        "results.chart_toe_off_typical": "離地（標準値）",
        "results.chart_swing": "遊脚期：かかとが浮いているため測定なし",
        "results.chart_normal": "標準の最大値の範囲 {lo}〜{hi}°",
        "results.chart_note": "線は足が地面に着いている間（立脚期）のかかとです。",
        "results.size_chart_hint": "お使いのサイズ表記をタップしてください。"
        "おすすめはその表記でご案内します。",
        "results.eversion": "かかとの最大傾き {deg}°",
        "results.cadence": "1分あたり{spm}歩",
        "results.no_walk": "歩行は測定していません。",
        "results.body": "ひざと腰",
        "results.recommendations": "おすすめ",
        "results.in_stock": "在庫あり",
        "results.out_of_stock": "スタッフにお尋ねください",
        "results.qr": "結果を持ち帰る",
        "results.qr_hint": "スキャンすると印刷用の結果が開きます。"
        "リンクは{hours}時間で無効になります。",
        "results.done": "終了",
        "results.none": "この店舗の商品に合うおすすめはありません。",
        "try.title": "別の靴で歩いて比べる",
        "try.lead": "店内の靴やインソールでもう一度歩き、2回の歩き方を並べて比べます。",
        "try.start": "別の靴で歩いて比べる",
        "try.see": "比較を見る（{n}）",
        "try.suggested": "あなたへのおすすめ",
        "try.catalogue": "店内のすべての商品",
        "try.limit": "1回の来店で記録できる歩行はここまでです。",
        "try.back": "結果に戻る",
        "try.walk_title": "{product} で歩いてください",
        "try.compare_title": "2回の歩き方の比較",
        "try.first_walk": "最初の歩行",
        "try.change": "変化",
        "try.another": "別の靴も試す",
        "questions.title": "いくつかの質問(任意)",
        "questions.lead": "回答にもとづいて運動やヒントをご案内します。お名前など個人を特定する"
        "情報はお聞きしません。どの質問もとばせます。",
        "questions.aches": "痛むところはありますか?",
        "questions.aches_none": "痛みはない",
        "questions.hours": "1日に立つ・歩く時間",
        "questions.hours_lt4": "4時間未満",
        "questions.hours_4_8": "4〜8時間",
        "questions.hours_gt8": "8時間以上",
        "questions.activity": "主な活動",
        "questions.activity_hard_floors": "硬い床での仕事",
        "questions.activity_walking": "ウォーキング",
        "questions.activity_running": "ランニング",
        "questions.activity_sport": "スポーツ",
        "questions.shoe_age": "普段の靴の使用期間",
        "questions.shoe_age_0_6": "6か月未満",
        "questions.shoe_age_6_12": "6〜12か月",
        "questions.shoe_age_12_24": "1〜2年",
        "questions.shoe_age_24_plus": "2年以上",
        "questions.shoe_km": "走る方:ランニングシューズの走行距離",
        "questions.shoe_km_0_300": "300 km未満",
        "questions.shoe_km_300_500": "300〜500 km",
        "questions.shoe_km_500_800": "500〜800 km",
        "questions.shoe_km_800_plus": "800 km以上",
        "questions.heels": "仕事でヒールを履きますか?",
        "questions.yes": "はい",
        "questions.no": "いいえ",
        "questions.skip": "とばす",
        "questions.next": "次へ",
        "plan.title": "あなたのプラン",
        "plan.clinician": "まず",
        "plan.observations": "わかったこと",
        "plan.exercises": "運動",
        "plan.habits": "毎日の習慣",
        "plan.store": "当店から",
        "plan.dose_label": "回数",
        "plan.contra_label": "行わない場合",
        "plan.source_label": "出典",
        "plan.left_out_head": "今回は外したもの",
        "class.low": "低いアーチ",
        "class.normal": "標準のアーチ",
        "class.high": "高いアーチ",
        "class.overpronation": "内側に倒れる（オーバープロネーション）",
        "class.neutral": "ニュートラル",
        "class.underpronation": "外側に倒れる（サピネーション）",
        "class.unknown": "未測定",
        "error.title": "もう一度やってみましょう",
        "error.no_feet": "足が見えませんでした。マットの中央に立ってください。",
        "error.no_mat": "カメラからマットが見えません。スタッフにお声がけください。",
        "error.no_legs": "足は見えましたが、脚が見えません。マットの上でまっすぐ立ってください。",
        "error.one_foot": "片足しか見えませんでした。両足を少し離してマットに乗せてください。",
        "error.foot_hidden": "足の一部が隠れています。"
        "つま先を画面に向け、両足を平らに置いてください。",
        "error.other_person": "マットの上に3つ以上の足が見えます。お一人で、両足で乗ってください。",
        "error.clothing_over_feet": "服が足首や足にかかっています。"
        "ズボンの裾を足首の上まで上げるか、スカートやワンピースをひざの上で押さえてください。",
        "error.feet_overlap": "両足が触れ合っています。"
        "足を少し離し、マットの左右に置いてください。",
        "error.one_leg": "片足がマットから浮いています。"
        "かかとをストッパーに付けて、両足で立ってください。",
        "error.moving": "測定中に動きました。2秒間じっと立っていてください。",
        "error.step_back_both": "両方のかかとが後ろのストッパーに付くまで下がってください。",
        "error.step_back_left": "左足のかかとがストッパーに付くまで後ろへ下げてください。",
        "error.step_back_right": "右足のかかとがストッパーに付くまで後ろへ下げてください。",
        "error.no_belt": "カメラからトレッドミルが見えません。スタッフにお声がけください。",
        "error.no_feet_treadmill": "トレッドミルの上の足が見えませんでした。"
        "ベルトの中央を歩いてください。",
        "error.too_few_steps": "歩数が足りません。もう少し長く歩いてください。",
        "error.one_leg_treadmill": "片方の脚しか見えませんでした。ベルトの中央を歩いてください。",
        "error.camera_too_high": "トレッドミルのカメラの位置が高すぎます。"
        "ベルトから20〜50 cmの高さに下げ、かかとに向けるようスタッフにお声がけください。",
        "error.camera_too_far": "トレッドミルのカメラが遠すぎます。"
        "かかとの70〜120 cm後ろに移し、かかとに向けるようスタッフにお声がけください。",
        "error.camera_unavailable": "カメラが現在使えません。スタッフにお声がけください。",
        "error.bad_input": "カメラに問題が発生しました。もう一度お試しください。",
        "error.model_error": "問題が発生しました。"
        "もう一度お試しいただくか、スタッフにお声がけください。",
        "error.config_error": "問題が発生しました。"
        "もう一度お試しいただくか、スタッフにお声がけください。",
        "error.catalogue_error": "問題が発生しました。"
        "もう一度お試しいただくか、スタッフにお声がけください。",
        "error.StoreUnavailable": "結果は表示されていますが、保存できませんでした。"
        "スタッフに通知しました。",
        "error.generic": "問題が発生しました。"
        "もう一度お試しいただくか、スタッフにお声がけください。",
        "error.retry": "もう一度",
        "error.restart": "最初から",
        "error.not_found": "このページは存在しません。",
        "error.expired": "このリンクは有効期限が切れています。",
        "error.forbidden": "このページへのアクセス権がありません。",
        "error.too_large": "リクエストが大きすぎます。",
        "error.rate_limited": "試行回数が多すぎます。1分ほどお待ちください。",
        "error.csrf": "フォームの有効期限が切れました。もう一度お試しください。",
        "camera.unavailable": "カメラが使えません — 復帰を待っています…",
        "guidance.no_feet": "足がまだ見えません。マットの中央に乗ってください。",
        "guidance.step_back_left": "左足を少し後ろへ、かかとをストッパーに付けてください。",
        "guidance.step_back_right": "右足を少し後ろへ、かかとをストッパーに付けてください。",
        "guidance.step_back_both": "少し下がって、両方のかかとをストッパーに付けてください。",
        "guidance.one_foot": "片足だけ見えています。両足を少し離してマットに乗せてください。",
        "idle.warning": "続けますか？画面に触れてください。",
        "summary.title": "足の測定結果",
        "summary.print": "印刷",
        "summary.date": "測定日 {date}",
        "nav.back": "戻る",
        "nav.home": "最初から",
        "staff.title": "スタッフ",
        "staff.pin": "スタッフPIN",
        "staff.login": "ロック解除",
        "staff.logout": "ロック",
        "staff.bad_pin": "PINが違います。何度も間違えた場合は、数分おいてからお試しください。",
        "account.pin_digits": "PINは6〜12桁の数字にしてください。",
        "account.pin_guessable": "そのPINは推測されやすすぎます（同じ数字や連番）。",
        "account.password_length": "パスワードは12〜128文字にしてください。",
        "account.password_has_username": "パスワードにユーザー名を含めないでください。",
        "account.bad_username": "ユーザー名は1〜64文字の英数字と . _ @ - です。",
        "account.bad_role": "役割は staff、retailer、admin のいずれかです。",
        "account.retailer_needed": "小売店アカウントには小売店IDが必要です（他の役割には不要）。",
        "account.exists": "そのアカウントは既にあります。",
        "account.unknown": "そのアカウントはありません。",
        "account.wrong_current": "現在のPINまたはパスワードが違います。",
        "account.mismatch": "新しい入力が2回で一致しません。",
        "account.changed": "変更しました。新しいもので再度サインインしてください。",
        "account.current": "現在",
        "account.new": "新規",
        "account.repeat": "新規（確認）",
        "account.change_pin": "PINを変更",
        "account.change_password": "パスワードを変更",
        "account.accounts": "アカウント",
        "account.add": "アカウントを追加",
        "account.role": "役割",
        "account.retailer": "小売店",
        "account.disable": "無効にする",
        "account.enable": "有効にする",
        "account.set_password": "パスワードを設定",
        "account.disabled": "無効",
        "staff.qr_link_off": "QRサマリー：オフ（公開アドレスが未設定）。",
        "staff.qr_link_ok": "QRサマリーは {url} で開けます（応答あり）。",
        "staff.qr_link_bad": "QRサマリーの {url} がここから応答しません：{reason}",
        "staff.camera": "カメラ",
        "staff.camera_connected": "接続済み",
        "staff.camera_disconnected": "未接続",
        "staff.fps": "フレームレート",
        "staff.fill": "深度充填率",
        "staff.dropped": "破棄フレーム",
        "staff.firmware": "ファームウェア",
        "staff.heel_strip": "かかとセンサー",
        "staff.heel_strip_state": "左かかと {left}、右かかと {right}",
        "staff.heel_pressed": "接触",
        "staff.heel_open": "未接触",
        "staff.heel_strip_unavailable": "応答なし（{reason}）。かかとの確認はカメラのみで行います",
        "staff.calibrate": "キャリブレーション",
        "staff.calibrate_standing": "マットのキャリブレーション",
        "staff.calibrate_gait": "トレッドミルのキャリブレーション",
        "staff.calib_step_board": "印刷したボードを{where}に平らに置き、「検出」を押してください。",
        "staff.calib_detect": "検出",
        "staff.calib_pass": "キャリブレーション合格",
        "staff.calib_fail": "キャリブレーション不合格",
        "staff.calib_download": "印刷用ボード",
        "staff.calib_saved": "{path} に保存しました",
        "staff.calib_previous": "現在のキャリブレーション",
        "staff.calib_none": "未キャリブレーション",
        "staff.calib_unreadable": "キャリブレーションファイルを読めません：{reason}",
        "staff.calib_height": "カメラの高さ",
        "staff.calib_pitch": "カメラの俯角",
        "staff.calib_board_height": "ボードから求めたカメラの高さ",
        "staff.calib_board_pitch": "ボードから求めたカメラの俯角",
        "staff.calib_floor_rms": "床面のRMS誤差",
        "staff.calib_square": "印刷した正方形の実測",
        "staff.calib_corners": "検出したボードのコーナー",
        "staff.calib_reprojection": "ボードの再投影誤差",
        "staff.calib_roi": "トレッドミル領域（x, y, w, h）",
        "staff.calib_created": "キャリブレーション日時",
        "staff.check.board_found": "ボード検出",
        "staff.check.floor_found": "床面検出",
        "staff.check.reprojection": "ボードの姿勢が鮮明",
        "staff.check.depth_scale": "深度スケールが許容範囲内",
        "staff.check.floor_flat": "床面が平ら",
        "staff.check.board_on_floor": "ボードの姿勢と床面が一致",
        "staff.remeasure_height": "カメラの高さの変化",
        "staff.remeasure_pitch": "カメラの俯角の変化",
        "staff.remeasure": "再測定チェック",
        "staff.remeasure_hint": "印刷したボードをマットに置き「チェック」を押すと、"
        "測定したサイズを印刷サイズと比較します。",
        "staff.remeasure_ok": "許容範囲内",
        "staff.remeasure_bad": "許容範囲外 — 再キャリブレーションしてください",
        "staff.catalogue": "商品カタログ",
        "staff.catalogue_upload": "カタログをアップロード（CSV）",
        "staff.catalogue_ok": "カタログ版 {version} が有効です（{n}商品）。",
        "staff.rules": "アドバイスルール",
        "staff.rules_save": "ルールを保存",
        "staff.qa": "QAモード",
        "staff.qa_on": "QAモード：{until}まで有効",
        "staff.qa_off": "QAモード無効：画像は保存されません。",
        "staff.qa_enable": "{hours}時間有効にする",
        "staff.qa_disable": "無効にする",
        "staff.outbox": "本部への送信待ち：{n}",
        "staff.models_geometry_only": "学習済みモデルを読み込めません。"
                                      "幾何計測のみで測定中：{reason}",
        "staff.saved": "保存しました。",
        "retail.title": "店舗ダッシュボード",
        "retail.username": "ユーザー名",
        "retail.password": "パスワード",
        "retail.login": "サインイン",
        "retail.logout": "サインアウト",
        "retail.bad_login": "ユーザー名またはパスワードが違います。"
        "何度も間違えた場合は、数分おいてからお試しください。",
        "retail.from": "開始日",
        "retail.to": "終了日",
        "retail.stores": "店舗",
        "retail.all_stores": "全店舗",
        "retail.apply": "適用",
        "retail.per_day": "日別セッション数",
        "retail.per_hour": "時間帯別セッション数",
        "retail.funnel": "完了ファネル",
        "retail.size_curve": "サイズ分布（EU）",
        "retail.arch_mix": "アーチタイプ",
        "retail.rolling_mix": "倒れ込み",
        "retail.rec_mix": "おすすめされた商品",
        "retail.plan_mix": "表示したプランの内容",
        "planitem.clinician": "足の専門家・理学療法士へのご案内",
        "planitem.chain_inward": "運動連鎖の説明(低いアーチ・内倒れ)",
        "planitem.knee_line": "ひざの角度の説明",
        "planitem.typical": "標準的なアーチ",
        "planitem.short_foot": "ショートフット",
        "planitem.single_leg_short_foot": "片脚でのショートフット",
        "planitem.plantar_fascia_stretch": "足底腱膜ストレッチ",
        "planitem.calf_stretch": "ふくらはぎのストレッチ",
        "planitem.running_shoe_age": "ランニングシューズの買い替え(距離)",
        "planitem.everyday_shoe_age": "普段の靴の買い替え(期間)",
        "planitem.long_standing": "硬い床での長時間の立ち仕事",
        "planitem.heels_at_work": "仕事でのヒール",
        "planitem.orthoses_back": "腰痛とインソールの試験",
        "planitem.general": "特になし",
        "retail.oos": "おすすめされたが在庫切れ",
        "retail.export": "CSVをダウンロード",
        "retail.tokens": "APIトークン",
        "retail.token_new": "新しい読み取り専用トークン",
        "retail.token_name": "名前",
        "retail.token_created": "このトークンを今コピーしてください。再表示されません：{token}",
        "retail.token_revoke": "無効化",
        "retail.kiosk_tokens": "キオスク送信トークン",
        "retail.kiosk_id": "キオスクID",
        "retail.stage.started": "開始",
        "retail.stage.consent": "同意",
        "retail.stage.standing": "立位測定",
        "retail.stage.walk": "歩行",
        "retail.stage.results": "結果",
        "retail.stage.qr": "QR",
        "retail.sessions": "セッション",
        "retail.product": "商品",
        "retail.count": "件数",
        "retail.tries": "商品ごとの履き比べ歩行",
        "retail.tries_hint": "最初の歩行の後に商品を履いて歩いた回数 {n} 回と、"
        "倒れ込みの分類（より注意が必要な足）が最初の歩行から変わったかどうか。",
        "retail.axis.tries": "歩行回数",
        "retail.try.changed": "分類が変化",
        "retail.try.same": "分類は同じ",
        "retail.try.unknown": "分類なし",
        "retail.over_time": "セッション数の推移",
        "retail.grain.day": "日",
        "retail.grain.week": "週",
        "retail.grain.month": "月",
        "retail.heatmap": "来店の時間帯（時刻 × 曜日、UTC）",
        "retail.stock": "仕入れの目安：サイズ × ワイズ",
        "retail.stock_hint": "EUサイズとワイズごとの測定人数と、"
        "サイズのある全セッションに占める割合です。",
        "retail.stock_export": "この表をダウンロード（CSV）",
        "retail.stores_compare": "店舗の比較",
        "retail.oos_by_size": "おすすめされたが在庫切れ（お客様のサイズ別）",
        "retail.print": "印刷",
        "retail.empty": "この期間のセッションはありません。",
        "retail.kpi.started": "セッション",
        "retail.kpi.results": "結果まで到達",
        "retail.kpi.qr": "QRで持ち帰り",
        "retail.axis.sessions": "セッション数",
        "retail.axis.size_eu": "EUサイズ",
        "retail.axis.hour": "時刻",
        "retail.axis.period": "期間の開始日",
        "retail.share_of_started": "開始に対する割合",
        "retail.drop_off": "離脱",
        "retail.recommended": "おすすめ回数",
        "retail.out_of_stock": "在庫切れ",
        "retail.in_stock": "在庫あり",
        "retail.width": "ワイズ",
        "retail.size": "EUサイズ",
        "retail.total": "合計",
        "retail.store": "店舗",
        "retail.results_share": "結果まで到達",
        "retail.stage": "段階",
        "retail.wd.mon": "月",
        "retail.wd.tue": "火",
        "retail.wd.wed": "水",
        "retail.wd.thu": "木",
        "retail.wd.fri": "金",
        "retail.wd.sat": "土",
        "retail.wd.sun": "日",
        "retail.sex.female": "ウィメンズ",
        "retail.sex.male": "メンズ",
        "retail.sex.unspecified": "未回答",
    },
}


def languages() -> list[str]:
    """Languages with a translation table, default first."""
    return [DEFAULT_LANG, *sorted(k for k in MESSAGES if k != DEFAULT_LANG)]


def has_key(key: str) -> bool:
    """Whether `key` is a known message (in the default language)."""
    return key in MESSAGES[DEFAULT_LANG]


def t(key: str, lang: str = DEFAULT_LANG, **kw: Any) -> str:
    """The text for `key` in `lang` (falling back to English), formatted with `kw`; the
    one lookup for the screens, the scripts and the advice."""
    table = MESSAGES.get(lang) or MESSAGES[DEFAULT_LANG]
    text = table.get(key)
    if text is None:
        text = MESSAGES[DEFAULT_LANG].get(key)
        if text is None:
            log.error("no translation for %r", key)
            return key
        log.error("no %s translation for %r", lang, key)
    return text.format(**kw) if kw else text


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


def guidance(code: str | None, lang: str) -> str | None:
    """The preview's guidance for the shopper, from its stable code (kiosk.errors.CODES):
    the short live hint where there is one, else the code's error sentence."""
    if not code:
        return None
    for key in (f"guidance.{code}", f"error.{code}"):
        if key in MESSAGES[DEFAULT_LANG]:
            return t(key, lang)
    log.error("no guidance text for code %r", code)
    return t("error.generic", lang)


def error_message(code: str | None, lang: str) -> str:
    """What the shopper reads for an error code (the generic sentence for unknown codes)."""
    key = f"error.{code}"
    return t(key if key in MESSAGES[DEFAULT_LANG] else "error.generic", lang)


def js_strings(lang: str) -> dict[str, str]:
    """The subset the browser scripts need (progress, countdown, errors, idle)."""
    prefixes = ("standing.", "walk.", "error.", "idle.", "camera.", "results.chart")
    table = MESSAGES.get(lang) or MESSAGES[DEFAULT_LANG]
    return {k: v for k, v in table.items() if k.startswith(prefixes)}
