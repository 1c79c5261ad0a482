"""Every string the screens show, in every language, and the one `t()` that looks them up.

The advice module keeps its own table (product explanations, class names); `t()` looks
here first and then there, so templates, JavaScript and advice text share one catalogue.
A key missing from a language is a bug the tests catch; at run time it falls back to
English and is logged.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "ja": "日本語"}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
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
        "error.step_back_both": "Please step back until both heels touch the back stop.",
        "error.step_back_left": "Please move your left foot back until the heel touches the "
        "back stop.",
        "error.step_back_right": "Please move your right foot back until the heel touches "
        "the back stop.",
        "error.no_belt": "The camera cannot see the treadmill. Please ask a member of staff.",
        "error.no_feet_treadmill": "We could not see your feet on the treadmill. Please walk "
        "in the middle of the belt.",
        "error.too_few_steps": "We need a few more steps. Please walk a little longer.",
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
        "staff.bad_pin": "Wrong PIN.",
        "staff.locked": "Too many wrong PINs. Locked for {minutes} min.",
        "staff.camera": "Cameras",
        "staff.camera_connected": "Connected",
        "staff.camera_disconnected": "Not connected",
        "staff.fps": "Frame rate",
        "staff.fill": "Depth fill",
        "staff.dropped": "Dropped frames",
        "staff.firmware": "Firmware",
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
        "retail.bad_login": "Wrong username or password.",
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
    },
    "ja": {
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
        "error.step_back_both": "両方のかかとが後ろのストッパーに付くまで下がってください。",
        "error.step_back_left": "左足のかかとがストッパーに付くまで後ろへ下げてください。",
        "error.step_back_right": "右足のかかとがストッパーに付くまで後ろへ下げてください。",
        "error.no_belt": "カメラからトレッドミルが見えません。スタッフにお声がけください。",
        "error.no_feet_treadmill": "トレッドミルの上の足が見えませんでした。"
        "ベルトの中央を歩いてください。",
        "error.too_few_steps": "歩数が足りません。もう少し長く歩いてください。",
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
        "staff.bad_pin": "PINが違います。",
        "staff.locked": "PINの誤りが多すぎます。{minutes}分間ロックされます。",
        "staff.camera": "カメラ",
        "staff.camera_connected": "接続済み",
        "staff.camera_disconnected": "未接続",
        "staff.fps": "フレームレート",
        "staff.fill": "深度充填率",
        "staff.dropped": "破棄フレーム",
        "staff.firmware": "ファームウェア",
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
        "retail.bad_login": "ユーザー名またはパスワードが違います。",
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
    },
}


def _advice_t(key: str, lang: str, **kw: Any) -> str | None:
    try:
        from kiosk.advice.i18n import t as advice_t
    except ImportError:
        return None
    try:
        return advice_t(key, lang, **kw)
    except KeyError:
        return None


def t(key: str, lang: str = "en", **kw: Any) -> str:
    """The text for `key` in `lang`, formatted with `kw`; the one lookup for the whole UI."""
    table = STRINGS.get(lang) or STRINGS["en"]
    text = table.get(key)
    if text is None:
        other = _advice_t(key, lang, **kw)
        if other is not None:
            return other
        text = STRINGS["en"].get(key)
        if text is None:
            log.error("no translation for %r", key)
            return key
        log.error("no %s translation for %r", lang, key)
    return text.format(**kw) if kw else text


def guidance(code: str | None, lang: str) -> str | None:
    """The preview's guidance for the shopper, from its stable code (kiosk.errors.CODES):
    the short live hint where there is one, else the code's error sentence."""
    if not code:
        return None
    for key in (f"guidance.{code}", f"error.{code}"):
        if key in STRINGS["en"]:
            return t(key, lang)
    log.error("no guidance text for code %r", code)
    return t("error.generic", lang)


def error_message(code: str | None, lang: str) -> str:
    """What the shopper reads for an error code (the generic sentence for unknown codes)."""
    key = f"error.{code}"
    return t(key if key in STRINGS["en"] else "error.generic", lang)


def js_strings(lang: str) -> dict[str, str]:
    """The subset the browser scripts need (progress, countdown, errors, idle)."""
    prefixes = ("standing.", "walk.", "error.", "idle.", "camera.", "results.chart")
    table = STRINGS.get(lang) or STRINGS["en"]
    return {k: v for k, v in table.items() if k.startswith(prefixes)}
