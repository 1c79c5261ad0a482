"""Catalogue upload: strict row-numbered validation, versions, atomic switch, rollback."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kiosk.advice.catalogue import (
    CSV_COLUMNS,
    MAX_FILE_BYTES,
    CatalogueRejectedError,
    CatalogueStore,
    load_sample_catalogue,
    parse_csv,
    parse_json,
    read_catalogue_file,
    sample_catalogue_path,
    to_csv,
)
from kiosk.bench.advice import synthetic_catalogue_csv
from kiosk.errors import CatalogueError

HEADER = ",".join(CSV_COLUMNS)
GOOD = [
    'SKU-1,Brandy,Runner 1,shoe,men,neutral,none,any,8,us_men,"D:8,8.5,9;2E:9,10",120,EUR,a.jpg',
    "SKU-2,Brandy,Insole 1,insole,unisex,stability,medium,low,,eu,*:38-40,30,EUR,",
]


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _problems(exc: CatalogueRejectedError) -> list[tuple]:
    return exc.problems


def test_sample_catalogue_is_valid_and_has_every_category_and_both_kinds():
    cat = load_sample_catalogue()
    assert len(cat) >= 40
    assert {p.kind for p in cat.products} == {"shoe", "insole"}
    assert {p.category for p in cat.products if p.kind == "shoe"} == {
        "neutral", "stability", "motion_control", "cushioned",
    }  # fmt: skip
    assert {p.size_system for p in cat.products} >= {"us_men", "us_women", "eu", "jp_cm"}


def test_good_csv_parses_into_products_with_stock_per_width():
    cat = parse_csv(_csv(*GOOD))
    shoe = cat.by_sku("SKU-1")
    assert [t.label for t in shoe.stock["D"]] == ["8", "8.5", "9"]
    assert shoe.size_step == 0.5 and shoe.drop_mm == 8.0
    insole = cat.by_sku("SKU-2")
    assert insole.stock["*"][0].covers(39) and not insole.stock["*"][0].covers(41)


def test_csv_export_imports_back_to_the_same_catalogue():
    cat = load_sample_catalogue()
    again = parse_csv(to_csv(cat).encode("utf-8"))
    assert again.products == cat.products


def test_missing_columns_are_named():
    header = HEADER.replace(",stock", "")
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(_csv("x", header=header))
    assert "missing column(s): stock" in str(e.value)
    assert "previous catalogue stays active" in str(e.value)


def test_unknown_column_gets_a_suggestion():
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(_csv(GOOD[0] + ",x", header=HEADER + ",colour"))
    assert "column colour" in str(e.value)


def test_bad_sizes_are_reported_with_their_row_numbers():
    rows = [
        GOOD[0],
        'SKU-3,B,M,shoe,men,neutral,none,any,8,us_men,"D:8,8.25,nine",120,EUR,',
        'SKU-4,B,M,shoe,men,neutral,none,any,8,us_men,"D:40",120,EUR,',
        'SKU-5,B,M,shoe,men,neutral,none,any,8,us_men,"Q:9",120,EUR,',
        'SKU-6,B,M,shoe,men,neutral,none,any,8,us_men,"D:8-10",120,EUR,',
    ]
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(_csv(*rows))
    by_row = {}
    for row, col, msg in _problems(e.value):
        by_row.setdefault(row, []).append((col, msg))
    assert 2 not in by_row  # the good first product row
    assert any("8.25" in m and "steps of 0.5" in m for _, m in by_row[3])
    assert any("'nine' is not a number" in m for _, m in by_row[3])
    assert any("outside" in m for _, m in by_row[4])
    assert any("width 'Q'" in m for _, m in by_row[5])
    assert any("ranges are only for insoles" in m for _, m in by_row[6])
    assert "row 3, column stock" in str(e.value)


def test_duplicate_skus_are_rejected_naming_both_rows():
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(_csv(GOOD[0], GOOD[1], GOOD[0]))
    assert "row 4, column sku: duplicate SKU 'SKU-1' (first on row 2)" in str(e.value)


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK(""http://evil"",""x"")', "+1+2", "-2+3", "@SUM(A1)", "\tx"]
)
def test_formula_injection_cells_are_rejected_with_row_and_column(cell):
    row = GOOD[0].replace("Runner 1", f'"{cell}"')
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(_csv(GOOD[1], row))
    assert _problems(e.value)[0][:2] == (3, "model")
    assert "spreadsheet formula" in str(e.value)


def test_formula_injection_is_rejected_in_json_too():
    doc = {"format": "kiosk.catalogue/1", "products": [
        {"sku": "A-1", "brand": "=cmd|' /C calc'!A0", "model": "M", "kind": "shoe",
         "gender": "men", "category": "neutral", "support_level": "none",
         "arch_profile": "any", "drop_mm": 8, "size_system": "eu", "stock": {"D": [42]},
         "price": 100},
    ]}  # fmt: skip
    with pytest.raises(CatalogueRejectedError) as e:
        parse_json(json.dumps(doc).encode())
    assert _problems(e.value)[0][:2] == (1, "brand")


def test_wrong_encoding_is_rejected_with_the_line_of_the_first_bad_byte():
    data = _csv(*GOOD).decode().replace("Runner 1", "Läufer").encode("latin-1")
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(data)
    assert "row 2" in str(e.value) and "not UTF-8" in str(e.value)


def test_utf8_with_bom_and_non_ascii_names_is_accepted():
    data = b"\xef\xbb\xbf" + _csv(GOOD[0].replace("Runner 1", "Läufer 走る"))
    assert parse_csv(data).by_sku("SKU-1").model == "Läufer 走る"


def test_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "huge.csv"
    with open(big, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no 50 MB written

    def no_read(*args, **kwargs):
        raise AssertionError("the oversized file was read")

    monkeypatch.setattr(type(big), "read_bytes", no_read)
    with pytest.raises(CatalogueRejectedError) as e:
        read_catalogue_file(big)
    assert "the file is 50.0 MB; the limit is 50 MB" in str(e.value)
    store = CatalogueStore(tmp_path / "store")
    with pytest.raises(CatalogueRejectedError):
        store.import_file(big)
    assert store.versions() == []


def test_ragged_rows_and_empty_files_are_rejected():
    with pytest.raises(CatalogueRejectedError) as e:
        parse_csv(_csv(GOOD[0], "SKU-9,too,few"))
    assert "row 3: has 3 cells" in str(e.value)
    with pytest.raises(CatalogueRejectedError, match="empty"):
        parse_csv(b"")
    with pytest.raises(CatalogueRejectedError, match="no products"):
        parse_csv(_csv())


def test_store_versions_switch_atomically_and_a_rejected_upload_keeps_the_active_one(tmp_path):
    store = CatalogueStore(tmp_path)
    assert store.active_version() is None
    v1 = store.import_bytes(_csv(*GOOD), "one.csv")
    assert store.active_version() == v1 == "000001"
    assert len(store.load()) == 2
    bad = _csv(GOOD[0], GOOD[0])
    with pytest.raises(CatalogueError):
        store.import_bytes(bad, "two.csv")
    assert store.versions() == [v1] and store.active_version() == v1
    v2 = store.import_bytes(sample_catalogue_path().read_bytes(), "sample.csv")
    assert store.active_version() == v2 and len(store.load()) == len(load_sample_catalogue())
    assert store.meta(v2)["products"] == len(load_sample_catalogue())
    store.activate(v1)  # roll back
    assert len(store.load()) == 2 and store.load().version == v1
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith((".incoming", ".ACTIVE"))]


def test_store_serves_the_sample_until_a_catalogue_is_imported(tmp_path):
    store = CatalogueStore(tmp_path)
    assert len(store.load_or_sample()) == len(load_sample_catalogue())
    with pytest.raises(CatalogueError):
        store.load()


def test_json_format_imports_like_csv(tmp_path):
    cat = load_sample_catalogue()
    store = CatalogueStore(tmp_path)
    store.import_bytes(json.dumps(cat.to_json()).encode(), "cat.json")
    assert store.load().products == cat.products


def test_json_unknown_fields_and_missing_fields_are_named_per_product():
    doc = {"format": "kiosk.catalogue/1", "products": [{"sku": "A", "colour": "red"}]}
    with pytest.raises(CatalogueRejectedError) as e:
        parse_json(json.dumps(doc).encode())
    text = str(e.value)
    assert "row 1, column colour: unknown field" in text
    assert "row 1, column stock: is missing" in text


@pytest.mark.slow
def test_ten_thousand_row_catalogue_is_accepted(tmp_path):
    data = synthetic_catalogue_csv(10_000)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert len(rows) == 10_001
    store = CatalogueStore(tmp_path)
    store.import_bytes(data, "big.csv")
    assert len(store.load()) == 10_000
