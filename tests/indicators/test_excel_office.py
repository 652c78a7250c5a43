"""The portal's Excel files in LibreOffice Calc (issue 16): printed to PDF as an office prints them, and a template
saved by LibreOffice imported back.

LibreOffice (Debian's libreoffice-calc-nogui, installed by scripts/install.sh) runs headless with its own profile
in a temporary directory, so parallel test runs do not share one; all PDFs are converted in one soffice call and
all round-tripped templates in a second, at class set-up.
"""

import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from demo.loader import demo_load
from indicators.models import IndicatorDefinition
from stations.models import Contract, ImportBatch, User

SOFFICE = "/usr/bin/soffice"
CODE = "xicun-2024"
TITLE_1 = "广州市西村街社工服务站购买服务项目指标完成情况统计表"
TITLE_2 = "广州市西村街社工服务站购买服务项目社工到岗情况统计表"


def soffice(files: list[Path], target: str, outdir: Path, profile: Path) -> None:
    """Convert `files` with one headless LibreOffice run (its own profile and HOME)."""
    if not Path(SOFFICE).exists():
        raise AssertionError(f"{SOFFICE} 不存在：请先运行 scripts/install.sh（apt-get install libreoffice-calc-nogui）。")
    env = {**os.environ, "HOME": str(profile)}
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
         "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
        env=env, check=True, capture_output=True, timeout=240,
    )


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, whitespace removed (pdftotext spaces CJK text unevenly)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f") if page.strip()]


class LibreOfficeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.contract = Contract.objects.get(code=CODE)
        # formula-like text must print as text, never as its result
        IndicatorDefinition.objects.filter(code=cls._template_indicator_code()).update(unit="=1+1")
        cls.tmp = tempfile.TemporaryDirectory(prefix="ep-soffice-")
        root = Path(cls.tmp.name)
        cls.profile, cls.pdf_dir, cls.lo_dir = root / "profile", root / "pdf", root / "lo"
        street = Client()
        street.force_login(User.objects.get(username="street_xicun"))
        cls.street = street
        files = {
            "fj1.xlsx": street.get(reverse("indicator_export", args=[CODE]), {"until": "2025-12-10"}).content,
            "fj2.xlsx": street.get(reverse("staff_export", args=[CODE]),
                                   {"from": "2024-12-11", "until": "2025-12-10"}).content,
            "template.xlsx": street.get(reverse("quarter_template", args=[CODE, "2025-Q1"])).content,
        }
        cls.template = files["template.xlsx"]
        cls.good, cls.bad = cls._filled({"H6": 999, "I7": "12"}), cls._filled({"H6": 999, "I7": "十二"})
        cls.staff = cls._staff_filled(files["fj2.xlsx"])
        for name, data in [*files.items(), ("good.xlsx", cls.good), ("bad.xlsx", cls.bad), ("staff.xlsx", cls.staff)]:
            (root / name).write_bytes(data)
        soffice([root / n for n in files], "pdf", cls.pdf_dir, cls.profile)
        soffice([root / n for n in ("good.xlsx", "bad.xlsx", "staff.xlsx")], "xlsx:Calc MS Excel 2007 XML",
                cls.lo_dir, cls.profile)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    @classmethod
    def _template_indicator_code(cls) -> str:
        return IndicatorDefinition.objects.filter(active=True, scope="area").order_by("order").first().code

    @classmethod
    def _filled(cls, edits: dict) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(cls.template))
        for ref, value in edits.items():
            wb["完成量填报"][ref] = value
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    @classmethod
    def _staff_filled(cls, exported: bytes) -> bytes:
        """The 附件2 export with the first staff row's last month changed (1 → 0.5, 社保 cleared) and a name typed
        as text in a number cell's place: 序号 "1" as text."""
        wb = openpyxl.load_workbook(io.BytesIO(exported))
        ws = wb["社工到岗情况"]
        last_month_col = next(c for c in range(ws.max_column, 0, -1) if ws.cell(4, c).value == "人员到位")
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value and ws.cell(r, 2).value)
        ws.cell(row, last_month_col - 3, 0.5)
        ws.cell(row, last_month_col - 2, None)
        ws.cell(row, 2, str(ws.cell(row, 2).value))
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def assert_a4_landscape(self, info: dict):
        self.assertRegex(info["Page size"].strip(), r"^841\.\d+ x 595\.\d+ pts \(A4\)$")

    def test_annex1_prints_on_one_a4_page_with_the_title(self):
        path = self.pdf_dir / "fj1.pdf"
        self.assert_a4_landscape(pdf_info(path))
        pages = pdf_pages(path)
        self.assertEqual(len(pages), 1)
        page = pages[0]
        self.assertTrue(page.startswith(TITLE_1), page[:80])
        self.assertIn("考核期：2024年12月至2025年11月，共12个月", page)
        self.assertIn("中小型活动人次", page)  # the last indicator group: the table fits the page width
        self.assertIn("社区调研", page)
        self.assertTrue(page.endswith("第1页共1页"), page[-40:])
        # hours as the seed prints them: 1080 and 783.5, not 1080.0; percentages 0.00%
        self.assertIn("培训时数108078" "3.572.55%", page)
        self.assertIn("会议时数108054050.00%", page)
        self.assertNotIn("1080.0", page)

    def test_annex2_fits_the_page_width(self):
        path = self.pdf_dir / "fj2.pdf"
        self.assert_a4_landscape(pdf_info(path))
        pages = pdf_pages(path)
        self.assertEqual(len(pages), 1)
        self.assertTrue(pages[0].startswith(TITLE_2), pages[0][:80])
        self.assertIn("2025年11月", pages[0])
        self.assertIn("备注", pages[0])
        self.assertTrue(pages[0].endswith("第1页共1页"))

    def test_template_repeats_its_header_row_and_prints_text_as_text(self):
        path = self.pdf_dir / "template.pdf"
        self.assert_a4_landscape(pdf_info(path))
        pages = pdf_pages(path)
        self.assertGreater(len(pages), 1)
        self.assertTrue(pages[0].startswith("广州市西村街社工服务站2025年第一季度指标完成量填报"), pages[0][:60])
        for number, page in enumerate(pages, start=1):
            self.assertIn("片区指标代码指标名称单位数值类型累计方式年度协议量2025年1月2025年2月2025年3月", page)
            self.assertTrue(page.endswith(f"第{number}页共{len(pages)}页"), page[-30:])
        self.assertIn("=1+1", pages[0])  # the unit, not 2

    def upload(self, data: bytes):
        return self.street.post(reverse("quarter_import", args=[CODE, "2025-Q1"]),
                                {"file": SimpleUploadedFile("t.xlsx", data)})

    def preview_payload(self, data: bytes) -> dict:
        response = self.upload(data)
        self.assertEqual(response.status_code, 302, response.context and [str(e) for e in response.context["errors"]])
        return ImportBatch.objects.get(token=response["Location"].rstrip("/").split("/")[-1]).payload

    def test_template_saved_by_libreoffice_imports_with_the_same_preview(self):
        saved = (self.lo_dir / "good.xlsx").read_bytes()
        with zipfile.ZipFile(io.BytesIO(saved)) as z:
            self.assertIn("xl/sharedStrings.xml", z.namelist())  # LibreOffice writes shared strings, not inline
        original = self.preview_payload(self.good)
        self.assertEqual(self.preview_payload(saved), original)
        self.assertEqual([c["new"] for c in original["changes"]][:2], ["999", "12"])
        self.assertGreater(original["unchanged"], 0)

    def test_annex2_saved_by_libreoffice_imports_with_the_same_preview(self):
        def payload(data: bytes) -> dict:
            response = self.street.post(reverse("staff_import", args=[CODE]),
                                        {"file": SimpleUploadedFile("a2.xlsx", data)})
            self.assertEqual(response.status_code, 302,
                             response.context and [str(e) for e in response.context["errors"]])
            return ImportBatch.objects.get(token=response["Location"].split("token=")[1]).payload

        original = payload(self.staff)
        self.assertEqual(len(original["changes"]), 1)
        self.assertEqual(original["changes"][0]["new"], "0.5")
        self.assertEqual(payload((self.lo_dir / "staff.xlsx").read_bytes()), original)

    def test_text_that_is_not_a_number_is_refused_alike(self):
        expected = [str(e) for e in self.upload(self.bad).context["errors"]]
        self.assertEqual(len(expected), 1)
        self.assertRegex(expected[0], r"^工作表“完成量填报” 第7行 第I列：.+ · 2025年2月：请输入数字。$")
        saved = (self.lo_dir / "bad.xlsx").read_bytes()
        self.assertEqual([str(e) for e in self.upload(saved).context["errors"]], expected)


def test_soffice_is_installed_by_the_install_script():
    script = (Path(__file__).resolve().parents[2] / "scripts" / "install.sh").read_text()
    assert "libreoffice-calc-nogui" in script
    assert shutil.which("soffice") or Path(SOFFICE).exists()
