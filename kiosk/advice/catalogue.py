"""The store's catalogue of shoes and insoles: formats, strict validation, versioned storage.

Staff upload a CSV (or JSON) file; it is checked completely before anything changes, and
either becomes a new version that is switched to atomically, or is rejected with
row-numbered messages while the previous version stays active. The formats are
documented in docs/METHOD.md ("Catalogue format") and in `CSV_COLUMNS` below.

CSV, one product per row (UTF-8, header row required, extra columns rejected):
    sku,brand,model,kind,gender,category,support_level,arch_profile,drop_mm,size_system,
    stock,price,currency,image
`stock` lists widths and the sizes in stock in each, e.g. ``D:7,7.5,8;2E:8,9`` for a
shoe, ``*:35-37,38-40`` for an insole (ranges only for insoles; ``*`` = any width).
JSON: ``{"format": "kiosk.catalogue/1", "products": [{...same fields...,
"stock": {"D": [7, 7.5], "2E": [8]}}]}``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from kiosk.advice.sizes import JIS_GRADES, SYSTEMS, WIDTH_LETTERS, normalise_width
from kiosk.errors import CatalogueError

log = logging.getLogger(__name__)

FORMAT = "kiosk.catalogue/1"
MAX_FILE_BYTES = 50 * 1024 * 1024  # larger uploads are refused before parsing
MAX_PROBLEMS_LISTED = 50
MAX_ROWS = 200_000

KINDS = ("shoe", "insole")
GENDERS = ("men", "women", "unisex")
CATEGORIES = ("neutral", "stability", "motion_control", "cushioned")
SUPPORT_LEVELS = ("none", "low", "medium", "high")
ARCH_PROFILES = ("low", "medium", "high", "any")
SIZE_SYSTEMS = ("eu", "uk", "us_men", "us_women", "jp_cm", "mondopoint")
ANY_WIDTH = "*"

CSV_COLUMNS = (
    "sku",
    "brand",
    "model",
    "kind",
    "gender",
    "category",
    "support_level",
    "arch_profile",
    "drop_mm",
    "size_system",
    "stock",
    "price",
    "currency",
    "image",
)
REQUIRED_COLUMNS = CSV_COLUMNS[:12]

# Sizes a product may list: those whose nominal foot length lies in this range (mm) --
# wider than the adult range so large and small adult feet can still be stocked.
STOCKABLE_FOOT_LENGTH_MM = (180.0, 340.0)
# The finest step each system may be stocked in (EU brands use halves).
STOCK_STEP = {"eu": 0.5, "uk": 0.5, "us_men": 0.5, "us_women": 0.5, "jp_cm": 0.5, "mondopoint": 5}
MAX_DROP_MM = 20.0
MAX_PRICE = 100_000.0

# Spreadsheet formula injection: a cell that starts with one of these is run as a formula
# when staff open an export in Excel/LibreOffice (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f]")
_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_IMAGE_RE = re.compile(r"^(https?://[^\s\"'<>]+|[A-Za-z0-9_][A-Za-z0-9_./-]*)$")


class CatalogueRejectedError(CatalogueError):
    """An upload was rejected; `problems` lists (row, column, message) for each fault."""

    def __init__(self, source: str, problems: list[tuple[int | None, str | None, str]]):
        self.source = source
        self.problems = problems
        shown = [format_problem(p) for p in problems[:MAX_PROBLEMS_LISTED]]
        more = len(problems) - len(shown)
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"{source} rejected ({len(problems)} problem{'s' if len(problems) != 1 else ''}): "
            + "; ".join(shown)
            + tail
            + "; the previous catalogue stays active"
        )


def format_problem(problem: tuple[int | None, str | None, str]) -> str:
    row, column, message = problem
    where = []
    if row is not None:
        where.append(f"row {row}")
    if column:
        where.append(f"column {column}")
    return (", ".join(where) + ": " if where else "") + message


@dataclass(frozen=True)
class SizeToken:
    """One stocked size (lo == hi) or, for insoles, a trim-to-fit range lo..hi."""

    lo: float
    hi: float

    @cached_property
    def label(self) -> str:
        if self.lo == self.hi:
            return _fmt_size(self.lo)
        return f"{_fmt_size(self.lo)}-{_fmt_size(self.hi)}"

    def covers(self, size: float) -> bool:
        return self.lo - 1e-9 <= size <= self.hi + 1e-9


@dataclass(frozen=True)
class Product:
    sku: str
    brand: str
    model: str
    kind: str
    gender: str
    category: str
    support_level: str
    arch_profile: str
    drop_mm: float | None
    size_system: str
    stock: dict[str, tuple[SizeToken, ...]]
    price: float
    currency: str = ""
    image: str = ""

    @cached_property
    def size_step(self) -> float:
        """The finest step this product is stocked in (0.5 if it lists any half size)."""
        step = SYSTEMS[self.size_system].step
        for tokens in self.stock.values():
            for tok in tokens:
                if tok.lo == tok.hi and abs(tok.lo / step - round(tok.lo / step)) > 1e-9:
                    return STOCK_STEP[self.size_system]
        return step

    @property
    def width_scale(self) -> str:
        """ "jis" for products sized in JP cm, else the US letter scale of its gender."""
        if self.size_system == "jp_cm":
            return "jis"
        return "women" if self.gender == "women" else "men"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "brand": self.brand,
            "model": self.model,
            "kind": self.kind,
            "gender": self.gender,
            "category": self.category,
            "support_level": self.support_level,
            "arch_profile": self.arch_profile,
            "drop_mm": self.drop_mm,
            "size_system": self.size_system,
            "stock": {w: [t.label for t in toks] for w, toks in self.stock.items()},
            "price": self.price,
            "currency": self.currency,
            "image": self.image,
        }


@dataclass(frozen=True)
class Catalogue:
    products: tuple[Product, ...]
    version: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.products)

    def by_sku(self, sku: str) -> Product:
        for p in self.products:
            if p.sku == sku:
                return p
        raise KeyError(sku)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "products": [p.to_dict() for p in self.products]}


def _fmt_size(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --- validation ---------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[int | None, str | None, str]] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.items.append((row, column, message))


def _suggest(value: str, choices: Iterable[str]) -> str:
    match = get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _choice(value: Any, choices: tuple[str, ...], row: int, col: str, p: _Problems) -> str:
    v = str(value).strip().lower().replace(" ", "_") if value is not None else ""
    if v not in choices:
        p.add(row, col, f"{value!r} is not one of {', '.join(choices)}{_suggest(v, choices)}")
    return v


def _number(value: Any, row: int, col: str, p: _Problems, lo: float, hi: float) -> float | None:
    try:
        x = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        p.add(row, col, f"{value!r} is not a number")
        return None
    if not (lo <= x <= hi):
        p.add(row, col, f"{x:g} is outside {lo:g}..{hi:g}")
        return None
    return x


@lru_cache(maxsize=16)
def _size_bounds(system: str) -> tuple[float, float]:
    sys = SYSTEMS[system]
    return tuple(sys.to_size(x) for x in STOCKABLE_FOOT_LENGTH_MM)  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def _size_or_error(text: str, system: str) -> float | str:
    """A stocked size parsed and checked, or the reason it is not one (cached: sizes repeat)."""
    try:
        x = float(text)
    except ValueError:
        return f"size {text!r} is not a number"
    lo, hi = _size_bounds(system)
    step = STOCK_STEP[system]
    if not (lo - 1e-9 <= x <= hi + 1e-9):
        return f"size {x:g} is outside the {system} range {lo:.1f}..{hi:.1f}"
    if abs(x / step - round(x / step)) > 1e-6:
        return f"size {x:g} is not a {system} size (steps of {step:g})"
    return x


@lru_cache(maxsize=8192)
def _token(text: str, system: str, kind: str) -> SizeToken | tuple[str, ...]:
    """One stocked size or insole range, or the reasons it is not one (cached)."""
    if "-" in text[1:]:
        if kind != "insole":
            return (f"size range {text!r}: ranges are only for insoles",)
        a, b = text.split("-", 1)
        lo, hi = _size_or_error(a.strip(), system), _size_or_error(b.strip(), system)
        errors = tuple(x for x in (lo, hi) if isinstance(x, str))
        if errors:
            return errors
        if lo >= hi:  # type: ignore[operator]
            return (f"size range {text!r} is empty",)
        return SizeToken(lo, hi)  # type: ignore[arg-type]
    x = _size_or_error(text, system)
    return (x,) if isinstance(x, str) else SizeToken(x, x)


def _width_key(raw: str, scale_jis: bool, kind: str, row: int, col: str, p: _Problems) -> str:
    w = raw.strip().upper()
    if w == ANY_WIDTH:
        if kind != "insole":
            p.add(row, col, "width '*' (any width) is only for insoles")
        return ANY_WIDTH
    if scale_jis:
        jis = {"2E": "EE", "3E": "EEE", "4E": "EEEE"}.get(w, w)
        if jis not in JIS_GRADES["men"]:
            p.add(row, col, f"width {raw!r} is not a JIS grade (A..EEEE, F, G)")
        return jis
    try:
        return normalise_width(w)
    except ValueError:
        p.add(row, col, f"width {raw!r} is not a US width letter ({', '.join(WIDTH_LETTERS)})")
        return w


def _parse_stock(
    stock: Any, system: str, kind: str, row: int, p: _Problems
) -> dict[str, tuple[SizeToken, ...]]:
    """Stock from 'W:s,s;W:s' (CSV) or {W: [s, 's-s']} (JSON), checked size by size."""
    col = "stock"
    if isinstance(stock, str):
        groups = []
        for part in stock.split(";"):
            if not part.strip():
                continue
            if ":" not in part:
                p.add(row, col, f"{part.strip()!r} should be WIDTH:SIZES (e.g. D:8,8.5,9)")
                continue
            w, sizes = part.split(":", 1)
            groups.append((w, [s for s in sizes.split(",") if s.strip()]))
    elif isinstance(stock, dict):
        groups = [
            (str(w), [str(s) for s in (v if isinstance(v, list) else [v])])
            for w, v in stock.items()
        ]
    else:
        p.add(row, col, "stock is missing")
        return {}
    out: dict[str, tuple[SizeToken, ...]] = {}
    n_before = len(p.items)
    scale_jis = system == "jp_cm"
    for w, sizes in groups:
        key = _width_key(w, scale_jis, kind, row, col, p)
        if key in out:
            p.add(row, col, f"width {w.strip()!r} is listed twice")
            continue
        toks: list[SizeToken] = []
        for s in sizes:
            tok = _token(s.strip(), system, kind)
            if isinstance(tok, SizeToken):
                toks.append(tok)
            else:
                for message in tok:
                    p.add(row, col, message)
        if not toks and sizes:
            continue
        if not sizes:
            p.add(row, col, f"width {w.strip()!r} lists no sizes")
            continue
        out[key] = tuple(sorted(set(toks), key=lambda t: (t.lo, t.hi)))
    if not out and len(p.items) == n_before:
        p.add(row, col, "no sizes in stock")
    return out


def _text(value: Any, row: int, col: str, p: _Problems, required: bool = True) -> str:
    v = "" if value is None else str(value).strip()
    if required and not v:
        p.add(row, col, "is empty")
    if len(v) > 200:
        p.add(row, col, "is longer than 200 characters")
    if _CTRL_RE.search(v):
        p.add(row, col, "contains control characters")
    return v


def _formula_cells(rec: dict[str, Any], row: int, p: _Problems) -> set[str]:
    """Columns whose cell starts like a spreadsheet formula (reported once each)."""
    flagged = set()
    for col, val in rec.items():
        if isinstance(val, str) and val[:1] in _FORMULA_START:
            # numbers like "-3" land here too: no field of ours may be negative
            p.add(
                row,
                col,
                f"{val[:24]!r} looks like a spreadsheet formula; cells may not "
                "start with = + - @ or a tab",
            )
            flagged.add(col)
    return flagged


def _product(rec: dict[str, Any], row: int, p: _Problems) -> Product | None:
    before = len(p.items)
    flagged = _formula_cells(rec, row, p)
    if flagged:
        return None
    sku = _text(rec.get("sku"), row, "sku", p)
    if sku and not _SKU_RE.match(sku):
        p.add(row, "sku", f"{sku!r} may hold only letters, digits and . _ / - (64 at most)")
    brand = _text(rec.get("brand"), row, "brand", p)
    model = _text(rec.get("model"), row, "model", p)
    kind = _choice(rec.get("kind"), KINDS, row, "kind", p)
    gender = _choice(rec.get("gender"), GENDERS, row, "gender", p)
    category = _choice(rec.get("category"), CATEGORIES, row, "category", p)
    support = _choice(rec.get("support_level"), SUPPORT_LEVELS, row, "support_level", p)
    arch = _choice(rec.get("arch_profile"), ARCH_PROFILES, row, "arch_profile", p)
    drop_raw = rec.get("drop_mm")
    drop = None
    if drop_raw not in (None, ""):
        drop = _number(drop_raw, row, "drop_mm", p, 0.0, MAX_DROP_MM)
    elif kind == "shoe":
        p.add(row, "drop_mm", "is empty (shoes need a heel-to-toe drop in mm)")
    system = _choice(rec.get("size_system"), SIZE_SYSTEMS, row, "size_system", p)
    stock = _parse_stock(rec.get("stock"), system, kind, row, p) if system in SIZE_SYSTEMS else {}
    price = _number(rec.get("price"), row, "price", p, 0.0, MAX_PRICE)
    currency = _text(rec.get("currency"), row, "currency", p, required=False).upper()
    if currency and not _CURRENCY_RE.match(currency):
        p.add(row, "currency", f"{currency!r} is not a 3-letter currency code")
    image = _text(rec.get("image"), row, "image", p, required=False)
    if image and (not _IMAGE_RE.match(image) or ".." in image):
        p.add(row, "image", f"{image[:40]!r} is not an http(s) URL or a plain relative path")
    if len(p.items) > before:
        return None
    return Product(
        sku=sku,
        brand=brand,
        model=model,
        kind=kind,
        gender=gender,
        category=category,
        support_level=support,
        arch_profile=arch,
        drop_mm=drop,
        size_system=system,
        stock=stock,
        price=float(price),  # type: ignore[arg-type]
        currency=currency,
        image=image,
    )


def _products(records: Iterable[tuple[int, dict[str, Any]]], source: str) -> Catalogue:
    p = _Problems()
    products: list[Product] = []
    seen: dict[str, int] = {}
    n = 0
    for row, rec in records:
        n += 1
        if n > MAX_ROWS:
            p.add(row, None, f"more than {MAX_ROWS} rows")
            break
        prod = _product(rec, row, p)
        sku = str(rec.get("sku") or "").strip()
        if sku:
            if sku in seen:
                p.add(row, "sku", f"duplicate SKU {sku!r} (first on row {seen[sku]})")
                prod = None
            else:
                seen[sku] = row
        if prod is not None:
            products.append(prod)
    if n == 0:
        p.add(None, None, "no products")
    if p.items:
        raise CatalogueRejectedError(source, p.items)
    return Catalogue(tuple(products))


def _decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogueRejectedError(
            source,
            [
                (
                    line,
                    None,
                    f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as "
                    "UTF-8 (Excel: 'CSV UTF-8')",
                )
            ],
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CatalogueRejectedError(source, [(line, None, "contains NUL bytes: not a text file")])
    return text


def parse_csv(data: bytes, source: str = "catalogue.csv") -> Catalogue:
    """A validated catalogue from CSV bytes; CatalogueRejectedError lists every problem by row."""
    _check_size(len(data), source)
    text = _decode(data, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogueRejectedError(source, [(None, None, "the file is empty")]) from None
    except csv.Error as exc:
        raise CatalogueRejectedError(source, [(1, None, f"unreadable CSV: {exc}")]) from None
    cols = [h.strip().lower() for h in header]
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        problems.append((1, None, "missing column(s): " + ", ".join(missing)))
    for c in cols:
        if c not in CSV_COLUMNS:
            problems.append((1, c or "(blank)", f"unknown column{_suggest(c, CSV_COLUMNS)}"))
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        problems.append((1, None, "repeated column(s): " + ", ".join(dup)))
    if problems:
        raise CatalogueRejectedError(source, problems)

    def records() -> Iterable[tuple[int, dict[str, Any]]]:
        # row numbers are spreadsheet line numbers: the header is row 1
        try:
            for cells in reader:
                row = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(cols):
                    yield row, {"__bad__": len(cells)}
                    continue
                yield row, dict(zip(cols, cells, strict=True))
        except csv.Error as exc:
            yield reader.line_num, {"__csv_error__": str(exc)}

    def checked() -> Iterable[tuple[int, dict[str, Any]]]:
        for row, rec in records():
            if "__bad__" in rec:
                bad.add(row, None, f"has {rec['__bad__']} cells, the header has {len(cols)}")
                continue
            if "__csv_error__" in rec:
                bad.add(row, None, f"unreadable CSV: {rec['__csv_error__']}")
                continue
            yield row, rec

    bad = _Problems()
    try:
        cat = _products(checked(), source)
    except CatalogueRejectedError as exc:
        problems = sorted(bad.items + exc.problems, key=_row_key)
        raise CatalogueRejectedError(source, problems) from None
    if bad.items:
        raise CatalogueRejectedError(source, bad.items)
    return cat


def _row_key(problem: tuple[int | None, str | None, str]) -> int:
    return problem[0] or 0


def parse_json(data: bytes, source: str = "catalogue.json") -> Catalogue:
    """A validated catalogue from JSON bytes (format kiosk.catalogue/1)."""
    _check_size(len(data), source)
    text = _decode(data, source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = (exc.lineno, None, f"invalid JSON: {exc.msg}")
        raise CatalogueRejectedError(source, [problem]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CatalogueRejectedError(source, [(None, None, f'"format" must be "{FORMAT}"')])
    unknown = set(doc) - {"format", "products", "name", "description"}
    if unknown:
        raise CatalogueRejectedError(source, [(None, k, "unknown key") for k in sorted(unknown)])
    products = doc.get("products")
    if not isinstance(products, list):
        raise CatalogueRejectedError(source, [(None, "products", "must be a list")])
    problems = []
    for i, rec in enumerate(products, start=1):
        if not isinstance(rec, dict):
            problems.append((i, None, "must be an object"))
            continue
        for k in rec:
            if k not in CSV_COLUMNS:
                problems.append((i, k, f"unknown field{_suggest(k, CSV_COLUMNS)}"))
        for k in REQUIRED_COLUMNS:
            if k not in rec:
                problems.append((i, k, "is missing"))
    if problems:
        raise CatalogueRejectedError(source, problems)
    return _products(((i, rec) for i, rec in enumerate(products, start=1)), source)


def _check_size(n_bytes: int, source: str) -> None:
    if n_bytes > MAX_FILE_BYTES:
        mib = 1024 * 1024
        message = f"the file is {n_bytes / mib:.1f} MB; the limit is {MAX_FILE_BYTES // mib} MB"
        raise CatalogueRejectedError(source, [(None, None, message)])


def read_catalogue_file(path: str | os.PathLike[str]) -> Catalogue:
    """Read and validate a .csv or .json catalogue file; the size cap is checked before reading."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogueError(f"cannot read {path.name}: {exc.strerror}") from None
    _check_size(size, path.name)
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        return parse_json(data, path.name)
    if path.suffix.lower() in (".csv", ".txt"):
        return parse_csv(data, path.name)
    raise CatalogueError(f"{path.name}: unknown catalogue format (use .csv or .json)")


def to_csv(catalogue: Catalogue) -> str:
    """The catalogue as CSV in the upload format, for staff to edit and upload again."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in catalogue.products:
        stock = ";".join(f"{wd}:{','.join(t.label for t in toks)}" for wd, toks in p.stock.items())
        w.writerow(
            [
                p.sku,
                p.brand,
                p.model,
                p.kind,
                p.gender,
                p.category,
                p.support_level,
                p.arch_profile,
                "" if p.drop_mm is None else f"{p.drop_mm:g}",
                p.size_system,
                stock,
                f"{p.price:.2f}",
                p.currency,
                p.image,
            ]
        )
    return buf.getvalue()


@lru_cache(maxsize=4096)
def _stored_token(label: str) -> SizeToken:
    lo, _, hi = label.partition("-") if "-" in label[1:] else (label, "", label)
    return SizeToken(float(lo), float(hi))


def _from_stored(doc: dict[str, Any]) -> tuple[Product, ...]:
    """Products from a version the store already validated (no re-validation)."""
    out = []
    for d in doc["products"]:
        stock = {w: tuple(_stored_token(s) for s in toks) for w, toks in d["stock"].items()}
        out.append(Product(**{**d, "stock": stock}))
    return tuple(out)


def clear_parse_caches() -> None:
    """Forget cached size parses (benchmarks time a cold import with this)."""
    _token.cache_clear()
    _size_or_error.cache_clear()
    _stored_token.cache_clear()


def sample_catalogue_path() -> Path:
    """The demo catalogue of invented products shipped with the package."""
    return Path(__file__).with_name("data") / "sample_catalogue.csv"


def load_sample_catalogue() -> Catalogue:
    return read_catalogue_file(sample_catalogue_path())


# --- versioned store ----------------------------------------------------------------


class VersionedStore:
    """A directory of numbered versions with one active, switched atomically.

    Layout: ``root/versions/000001/{payload, meta.json}`` and ``root/ACTIVE`` holding the
    active version's name. A new version is written into a temporary directory and
    renamed into place; ACTIVE is replaced with os.replace, so a reader sees the old or
    the new version, never half of one.
    """

    payload_name = "payload.json"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.versions_dir = self.root / "versions"

    def versions(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(d.name for d in self.versions_dir.iterdir() if d.name.isdigit())

    def active_version(self) -> str | None:
        try:
            name = (self.root / "ACTIVE").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def meta(self, version: str) -> dict[str, Any]:
        return json.loads((self.versions_dir / version / "meta.json").read_text("utf-8"))

    def _write_version(
        self, payload: dict[str, Any], meta: dict[str, Any], source: bytes | None, source_name: str
    ) -> str:
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=self.versions_dir))
        try:
            with open(tmp / self.payload_name, "w", encoding="utf-8") as f:
                # json.dumps uses the C encoder; json.dump streams through the slow one
                f.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
                f.flush()
                os.fsync(f.fileno())
            if source is not None:
                (tmp / ("source" + Path(source_name).suffix.lower())).write_bytes(source)
            for _ in range(100):
                existing = self.versions()
                name = f"{(int(existing[-1]) + 1) if existing else 1:06d}"
                meta = {**meta, "version": name}
                (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
                try:
                    os.rename(tmp, self.versions_dir / name)
                    return name
                except OSError:  # another import took that number: take the next one
                    continue
            raise CatalogueError("could not allocate a new catalogue version")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def activate(self, version: str) -> None:
        """Make `version` active (also used to roll back to an earlier one)."""
        if version not in self.versions():
            raise CatalogueError(f"no version {version!r} in {self.root}")
        tmp = self.root / f".ACTIVE.{os.getpid()}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, self.root / "ACTIVE")
        log.info("activated %s version %s", type(self).__name__, version)

    def read_payload(self, version: str | None = None) -> tuple[str, dict[str, Any]]:
        version = version or self.active_version()
        if version is None:
            raise CatalogueError(f"no active version in {self.root}: import one first")
        path = self.versions_dir / version / self.payload_name
        return version, json.loads(path.read_text(encoding="utf-8"))


class CatalogueStore(VersionedStore):
    """The store's catalogue versions: import (validate, write, switch) and load."""

    payload_name = "catalogue.json"

    def import_bytes(self, data: bytes, filename: str, activate: bool = True) -> str:
        """Validate an upload and make it a new (active) version; CatalogueRejectedError if bad.

        Nothing on disk changes when the upload is rejected, so the active version stays.
        """
        started = time.perf_counter()
        suffix = Path(filename).suffix.lower()
        if suffix == ".json":
            cat = parse_json(data, filename)
        elif suffix in (".csv", ".txt"):
            cat = parse_csv(data, filename)
        else:
            raise CatalogueRejectedError(filename, [(None, None, "use a .csv or .json file")])
        meta = {
            "source": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "products": len(cat),
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        version = self._write_version(cat.to_json(), meta, data, filename)
        if activate:
            self.activate(version)
        log.info(
            "catalogue %s imported as version %s: %d products in %.2f s",
            filename,
            version,
            len(cat),
            time.perf_counter() - started,
        )
        return version

    def import_file(self, path: str | os.PathLike[str], activate: bool = True) -> str:
        path = Path(path)
        size = path.stat().st_size
        _check_size(size, path.name)  # before reading a byte of it
        return self.import_bytes(path.read_bytes(), path.name, activate)

    def load(self, version: str | None = None) -> Catalogue:
        """The active (or given) version as a Catalogue."""
        name, doc = self.read_payload(version)
        return Catalogue(_from_stored(doc), version=name, meta=self.meta(name))

    def load_or_sample(self) -> Catalogue:
        """The active catalogue, or the shipped sample when none was imported yet (demo)."""
        if self.active_version() is None:
            return load_sample_catalogue()
        return self.load()
