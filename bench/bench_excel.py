"""Excel benchmark (issue 3): import of a 5,000-row actuals sheet, openpyxl alone on the same file, 附件1 export.

What is measured (figures printed, no assertions):
- the quarter entry template is wide: one row per 片区 × indicator with the quarter's 3 month columns. A 5,000-row
  sheet is generated as 250 片区 × 20 per-片区 indicators (15,000 month cells, every one filled);
- "import: check + plan" = evalportal.xlsx safety checks (zip directory, XML scan) + openpyxl read-only parse + every
  cell validated + changes planned against the stored values (indicators.excel.parse_entry_upload);
- "import: apply" = indicators.services.actuals_save of the 15,000 planned cells (bulk insert + audit rows);
- "openpyxl alone" = openpyxl.load_workbook(read_only=True) and reading every cell value of the same file;
- "export 附件1" = indicators.selectors.indicator_completion_table + indicators.excel.completion_workbook at a
  5-month cut-off, for the 250-片区 contract and for a realistic 30-片区 one.
- "hostile": the worst files within the upload limits (issue 11 §1: every file answered in ≤ 5 s with ≤ 200 MB):
  the largest worksheet XML allowed filled with values beyond the template's columns, a row at Excel's last row behind
  a lying <dimension>, shared strings at their cap, 50,000 staff rows, 250 extra columns (error list capped), the survey
  roster with a bad phone on every row up to the worksheet cap and with a value in column XFD on every row; each
  line prints the time, the peak memory and the first / last message the user gets.
Time is wall-clock (time.perf_counter) of a run without tracing, with the process's CPU time beside it (on a
shared, loaded machine the wall-clock time is mostly waiting for a core); peak memory is tracemalloc's peak of a second,
traced run (Python allocations only), plus the process's max RSS at the end (resource.getrusage).
Runs on a throw-away test database (SQLite in memory unless DATABASE_URL points elsewhere).
`python bench/bench_excel.py --hostile` runs only the hostile files.
"""

from __future__ import annotations

import io
import os
import resource
import sys
import time
import tracemalloc
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

AREAS, INDICATORS = 250, 20


def measure(label: str, fn, rows: int | None = None, traced: bool = True):
    """Time one run of fn; then, when `traced` (fn has no side effects), run it again under tracemalloc for the peak."""
    started, cpu_started = time.perf_counter(), time.process_time()
    result = fn()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_text = "      —  "
    if traced:
        tracemalloc.start()
        fn()
        peak_text = f"{tracemalloc.get_traced_memory()[1] / 1048576:7.1f} MB"
        tracemalloc.stop()
    extra = f"  ({rows} rows)" if rows else ""
    print(f"{label:<42} {elapsed:7.2f} s (CPU {cpu:5.2f} s)   peak {peak_text}{extra}")
    return result


def build(n_areas: int, code: str):
    from indicators.models import IndicatorDefinition, Target
    from stations.models import Contract, District, Organisation, ServiceArea, Station, Street, User

    district, _ = District.objects.get_or_create(code="bench", defaults={"name": "基准区"})
    bureau, _ = Organisation.objects.get_or_create(name="基准区民政局", defaults={"kind": "bureau", "district": district})
    operator, _ = Organisation.objects.get_or_create(name="基准承接机构", defaults={"kind": "operator"})
    street = Street.objects.create(code=code, district=district, name=f"{code}街道")
    office = Organisation.objects.create(name=f"{code}街道办", kind="street", street=street)
    station = Station.objects.create(code=code, street=street, name=f"{code}社工服务站")
    contract = Contract.objects.create(
        code=code, title="基准项目", station=station, operator=operator, buyer=office, supervisor=bureau,
        start_date=date(2024, 12, 11), end_date=date(2025, 12, 10), budget=Decimal("2400000.00"),
    )
    user = User.objects.create(username=f"street_{code}", role="street", organisation=office)
    if not IndicatorDefinition.objects.exists():
        IndicatorDefinition.objects.bulk_create([
            IndicatorDefinition(code=f"ind{i:02d}", name=f"指标{i:02d}", group=f"指标组{i // 3}", short_name=f"分项{i}",
                                unit="个", order=i, accumulation="stock" if i == 0 else "flow")
            for i in range(INDICATORS)
        ])
    areas = ServiceArea.objects.bulk_create(
        [ServiceArea(contract=contract, name=f"片区{i + 1}", order=i + 1, social_workers=3) for i in range(n_areas)]
    )
    indicators = list(IndicatorDefinition.objects.all())
    Target.objects.bulk_create(
        [Target(contract=contract, service_area=a, indicator=ind, value=Decimal(600)) for a in areas for ind in indicators]
    )
    return contract, user


def main() -> None:
    import openpyxl

    from evalportal.periods import Quarter
    from indicators.changes import changes_from_payload
    from indicators.entry import entry_grid
    from indicators.excel import completion_workbook, entry_template, parse_entry_upload
    from indicators.selectors import indicator_completion_table
    from indicators.services import actuals_save

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if "--hostile" in sys.argv:  # only the hostile files (on the 30-片区 contract)
            small, small_user = build(30, "small")
            q1 = Quarter(2025, 1)
            small_grid = entry_grid(contract=small, quarter=q1, user=small_user)
            hostile(small, q1, entry_template(small_grid), 4 + sum(len(s.rows) for s in small_grid.sections))
            print(f"{'process max RSS':<42} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.0f} MB")
            return
        print(f"database: {connection.vendor}; {AREAS} 片区 × {INDICATORS} indicators = {AREAS * INDICATORS} rows, "
              f"3 month columns each ({AREAS * INDICATORS * 3} cells)")
        contract, user = build(AREAS, "big")
        q1 = Quarter(2025, 1)
        grid = entry_grid(contract=contract, quarter=q1, user=user)
        template = measure("template download (entry_template)", lambda: entry_template(grid))
        wb = openpyxl.load_workbook(io.BytesIO(template))
        ws = wb["完成量填报"]
        row_index = 0
        for row in ws.iter_rows(min_row=5, min_col=8, max_col=10):
            row_index += 1
            for offset, cell in enumerate(row):
                cell.value = (row_index * 7 + offset) % 500
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
        print(f"{'uploaded file':<42} {len(data) / 1024:7.0f} KB")

        parsed = measure("import: check + plan (parse_entry_upload)",
                         lambda: parse_entry_upload(data, contract=contract, quarter=q1), rows=row_index)
        assert not parsed.errors, parsed.errors[:3]

        def openpyxl_alone():
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            count = sum(1 for row in book["完成量填报"].iter_rows(values_only=True) for _ in row)
            book.close()
            return count

        measure("openpyxl alone (read_only, every cell)", openpyxl_alone, rows=row_index)
        changes = changes_from_payload(parsed.payload())
        result = measure("import: apply (actuals_save, 1st time)",
                         lambda: actuals_save(contract=contract, quarter=q1, changes=changes, user=user, source="bench"),
                         traced=False)
        print(f"{'':<42} {result.created} cells created, audit rows written")
        again = parse_entry_upload(data, contract=contract, quarter=q1)
        print(f"{'same file again: planned changes':<42} {len(again.changes):7d}")

        # 附件1 export on the big contract and on a realistic one (30 片区, 4 months of actuals)
        cutoff = date(2025, 3, 31)
        measure(f"export 附件1 ({AREAS} 片区)", lambda: completion_workbook(indicator_completion_table(contract, cutoff)))
        small, small_user = build(30, "small")
        from indicators.models import IndicatorDefinition, MonthlyActual

        MonthlyActual.objects.bulk_create([
            MonthlyActual(contract=small, service_area=a, indicator=ind, month=m, value=Decimal(40))
            for a in small.service_areas.all() for ind in IndicatorDefinition.objects.all()
            for m in (date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))
        ])
        measure("export 附件1 (30 片区)", lambda: completion_workbook(indicator_completion_table(small, cutoff)))
        small_grid = entry_grid(contract=small, quarter=q1, user=small_user)
        hostile(small, q1, entry_template(small_grid), 4 + sum(len(s.rows) for s in small_grid.sections))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'process max RSS':<42} {rss:7.0f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def hostile(contract, q1, template: bytes, last_row: int) -> None:
    """The worst files within the limits, through the same check as an upload (parse_*_upload)."""
    from django.conf import settings

    from evalportal.xlsx import UploadRejected
    from indicators.excel import parse_entry_upload
    from stations.excel import parse_staff_upload, staff_workbook
    from stations.selectors import staff_on_post_table
    from tests import xlsx_craft as craft

    print(f"\nhostile files (limits: worksheets {settings.EXCEL_MAX_SHEET_XML_BYTES / 1048576:g} MB of XML, other parts "
          f"{settings.EXCEL_MAX_OTHER_XML_BYTES / 1048576:g} MB, {settings.EXCEL_MAX_ROWS} rows, "
          f"{settings.EXCEL_MAX_CELLS} cells, {settings.EXCEL_MAX_ERRORS} errors listed)")
    room = settings.EXCEL_MAX_SHEET_XML_BYTES - len(craft.sheet_xml(template).encode()) - 1000

    def report(label: str, data: bytes, parse) -> None:
        def run():
            try:
                parsed = parse(data)
            except UploadRejected as exc:
                return str(exc)
            errors = parsed.errors
            return f"{errors.total} errors, {errors.more} not listed; first: {errors[0]}; last: {errors[-1]}" \
                if errors else f"no error ({len(getattr(parsed, 'changes', getattr(parsed, 'rows', [])))} changes)"
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        print(f"  {label}: {len(data) / 1048576:.2f} MB, {unpacked / 1048576:.1f} MB unpacked")
        message = measure("    check", run)
        print(f"    → {message[:300]}")

    entry = lambda data: parse_entry_upload(data, contract=contract, quarter=q1)  # noqa: E731
    # 1. values beyond the template's columns on every row, as many rows as the worksheet cap allows
    cells = craft.extra_columns_rows(5004, 1, 11, 100)  # the longest row numbers: the most bytes a row
    rows = max(1, room // len(cells))
    rows = min(rows, 5004 - last_row)
    data = craft.append_rows(template, craft.extra_columns_rows(last_row + 1, rows, 11, 100))
    report(f"100 extra columns × {rows} rows below the template's {last_row - 4} rows", data, entry)
    report("250 extra columns on 2 rows (error list capped)",
           craft.append_rows(template, craft.extra_columns_rows(last_row + 1, 2, 11, 250)), entry)
    # 2. a value in Excel's last row behind a dimension that claims A1:J10
    far = craft.set_dimension(craft.append_rows(template, '<row r="1048576"><c r="H1048576"><v>5</v></c></row>'),
                              "A1:J10")
    report("row 1,048,576 behind <dimension ref=A1:J10>", far, entry)
    # 3. one row at the cell budget's worst: a value in column XFD on every row
    xfd = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(last_row + 1, 5005))
    report(f"a value in column XFD on {5004 - last_row} rows", craft.append_rows(template, xfd), entry)
    # 4. shared strings at their cap (openpyxl reads them all when it opens the file)
    n = (settings.EXCEL_MAX_OTHER_XML_BYTES - 40000) // 60
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>社工姓名备注说明{i:08d}</t></si>" for i in range(n)) + "</sst>")
    strings = craft.rewrite(template, "[Content_Types].xml", lambda t: t.replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    strings = craft.rewrite(strings, "xl/_rels/workbook.xml.rels", lambda t: t.replace(
        "</Relationships>", '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/'
                            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(strings)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/sharedStrings.xml", sst)
    report(f"{n} shared strings ({len(sst.encode()) / 1048576:.1f} MB)", buf.getvalue(), entry)
    # 5. 50,000 rows in the 附件2 staff import
    table = staff_on_post_table(contract, contract.start_date, contract.end_date)
    staff = staff_workbook(table)
    report("附件2 with 50,000 staff rows", craft.append_rows(staff, craft.staff_rows(20, 50_000)),
           lambda data: parse_staff_upload(data, contract=contract))
    # 6. the survey roster (issue 14's third import): a bad phone on every row up to the worksheet cap, and a value
    # in column XFD on every row (below the template's 200 formatted rows)
    from surveys.excel import parse_roster, roster_template

    roster = roster_template()
    bad_row = '<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>姓名{r}</t></is></c>' \
              '<c r="B{r}" t="inlineStr"><is><t>123</t></is></c></row>'
    per_row = len(bad_row.format(r=100000).encode())
    count = (settings.EXCEL_MAX_SHEET_XML_BYTES - len(craft.sheet_xml(roster).encode()) - 1000) // per_row
    report(f"名单 with a bad phone on {count} rows",
           craft.append_rows(roster, "".join(bad_row.format(r=r) for r in range(201, 201 + count))), parse_roster)
    report("名单 with a value in column XFD on 4,801 rows",
           craft.append_rows(roster, "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>'
                                             for r in range(201, 5002))), parse_roster)


if __name__ == "__main__":
    main()
