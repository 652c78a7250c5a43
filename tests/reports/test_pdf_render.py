"""PDF reports rendered from the demo data: figures of the seeds, fonts, metadata, bookmarks, page layout.

Rendering is slow (~2 s for xicun-2024-mid): every demo report is rendered once for the module (setUpTestData) and
the tests read the stored bytes.
"""

import re
from datetime import date
from decimal import Decimal

from django.test import TestCase

from demo.loader import demo_load
from reports import pdf
from reports.builders import (
    _month_chunks,
    build_evaluation_report_context,
    build_performance_report_context,
    title_words,
)
from reports.models import Evaluation, ExpenseLine, Finding, Party, PerformanceEvaluation
from reports.pdf_services import report_source_for_code
from stations.models import ActivityEntry, Community, ServiceArea, StaffMember, StaffMonth

from .pdf_tools import (
    capture_weasyprint_log,
    pdf_fonts,
    pdf_image_count,
    pdf_info,
    pdf_outline_titles,
    pdf_text,
    squash,
)

DEMO_CODES = ["xicun-2024-mid", "xicun-2024-final", "xicun-2022", "jingtai-2023", "yuangang-2023", "zhongluotan-2022"]
DRAFT = "xicun-2024-final"  # reports/demo.py: the final evaluation in progress, figures entered up to 2025-04


class DemoReportsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.pdfs: dict[str, bytes] = {}
        cls.logs: dict[str, list[str]] = {}
        cls.fetches: dict[str, pdf.FetchLog] = {}
        for code in DEMO_CODES:
            html = report_source_for_code(code).html()
            fetch_log = pdf.FetchLog()
            with capture_weasyprint_log() as messages:
                cls.pdfs[code] = pdf.render_pdf(html, fetch_log=fetch_log)
            cls.logs[code] = list(messages)
            cls.fetches[code] = fetch_log
        cls.text = {code: pdf_text(data) for code, data in cls.pdfs.items()}
        cls.flat = {code: squash(text) for code, text in cls.text.items()}
        cls.lines = {
            code: [squash(line) for line in pdf_text(data, layout=True).splitlines()] for code, data in cls.pdfs.items()
        }

    def assertInText(self, expected: str, text: str) -> None:
        """assertIn without printing the whole report on failure."""
        if expected not in text:
            self.fail(f"not in the PDF text: {expected!r}")

    def assertOnOneLine(self, code: str, expected: str) -> None:
        """A table row as pdftotext -layout prints it, whitespace removed."""
        if not any(expected in line for line in self.lines[code]):
            self.fail(f"no line of {code} holds {expected!r}")

    # --- every report ------------------------------------------------------------------------------------------

    def test_every_demo_code_renders_a_pdf(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                self.assertTrue(self.pdfs[code].startswith(b"%PDF-"))
                pages = int(re.search(r"Pages:\s+(\d+)", pdf_info(self.pdfs[code])).group(1))
                self.assertGreaterEqual(pages, 3)

    def test_no_glyph_is_missing(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                self.assertEqual([m for m in self.logs[code] if ".notdef" in m], [])
                self.assertEqual(self.logs[code], [])

    def test_cjk_fonts_are_embedded_as_subsets(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                fonts = pdf_fonts(self.pdfs[code])
                names = {f["name"].split("+", 1)[-1] for f in fonts}
                self.assertIn("Noto-Serif-CJK-SC", names)  # body text
                self.assertIn("Noto-Sans-CJK-SC-Bold", names)  # headings
                for font in fonts:
                    self.assertEqual((font["emb"], font["sub"], font["uni"]), ("yes", "yes", "yes"), font["name"])
                self.assertFalse(any("JP" in n for n in names), names)

    def test_only_the_report_stylesheet_is_fetched(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                self.assertEqual(self.fetches[code].served, [pdf.BASE_URL + "static/reports/pdf.css"])
                self.assertEqual(self.fetches[code].refused, [])

    def test_pdfs_are_small_enough_to_mail(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                self.assertLess(len(self.pdfs[code]), 2 * 1024 * 1024)

    # --- xicun-2024-mid: the evaluation report of seed 001 ---------------------------------------------------

    def test_evaluation_metadata_title_author_date(self):
        info = pdf_info(self.pdfs["xicun-2024-mid"])
        self.assertRegex(info, r"Title:\s+广州市西村街社工服务站 中期评估报告\n")
        self.assertRegex(info, r"Author:\s+广州市社会工作协会\n")
        self.assertRegex(info, r"CreationDate:\s+Tue May 13 \d\d:00:00 2025")

    def test_evaluation_cover_lists_the_four_parties_and_the_date(self):
        cover = squash(pdf_text(self.pdfs["xicun-2024-mid"], first=1, last=1))
        for expected in [
            "广州市西村街社工服务站中期评估报告",
            "项目监督方：广州市荔湾区民政局",
            "项目购买方：广州市荔湾区西村街道办事处",
            "项目承办方：广州市荔湾区逢源人家服务中心",
            "项目评估方：广州市社会工作协会",
            "评估日期：2025年5月13日",
        ]:
            self.assertInText(expected, cover)

    def test_evaluation_holds_the_four_scores_total_and_grade(self):
        flat = self.flat["xicun-2024-mid"]
        for expected in ["购买方评估2020.00分", "监督方评估108.30分", "督导中心评估1513.80分", "第三方评估5546.98分"]:
            self.assertInText(expected, flat)
        self.assertInText("以上四项总得分：89.08分等级：良好", flat)

    def test_evaluation_weights_and_grade_bands_come_from_the_rules(self):
        flat = self.flat["xicun-2024-mid"]
        self.assertInText("项目监督方（区民政局）评估分值占比10%，项目购买方（街道办事处）评估分值占比20%", flat)
        self.assertInText("市督导中心评估分值占比15%，第三方评估机构评估分值占比55%", flat)
        self.assertInText("80（含80）至90分为“良好”", flat)
        self.assertInText("60分以下为“不合格”", flat)

    def test_evaluation_sections_in_the_order_of_seed_001(self):
        flat = self.flat["xicun-2024-mid"]
        headings = [
            "一、社工站基本情况", "二、评估依据、评估原则及评估办法", "三、监督方评估（荔湾区民政局）",
            "四、购买方评估（西村街道办事处）", "五、督导中心评估", "六、第三方专业评估", "（一）项目管理",
            "（二）社工站总体服务开展情况", "2.服务指标完成情况", "（三）各社工点服务开展情况",
            "1.片区一社工点服务情况", "2.片区二、片区三社工点服务情况", "七、评估结果", "八、结语",
            "附件1广州市西村街社工服务站购买服务项目指标完成情况统计表考核期",
            "附件2广州市西村街社工服务站购买服务项目社工到岗情况统计表年度",
        ]
        positions = [flat.find(h) for h in headings]
        self.assertNotIn(-1, positions, dict(zip(headings, positions, strict=True)))
        self.assertEqual(positions, sorted(positions))

    def test_evaluation_findings_come_from_the_database(self):
        flat = self.flat["xicun-2024-mid"]
        self.assertInText("本次评估购买方没有提出需要关注的地方。", flat)
        self.assertInText("“党建赋能、社工增效、志愿自治”三位一体", flat)
        self.assertInText("片区一：增埗社区、大岗元社区、长乐社区、西湾东社区；", flat)

    def test_attachment1_rows_reproduce_every_percentage_of_seed_001(self):
        lines = pdf_text(self.pdfs["xicun-2024-mid"], layout=True).splitlines()
        rows = [squash(line) for line in lines if re.match(r"\s*(片区[一二三]|合计)\s+\d", line)]
        self.assertEqual(
            rows[:8],
            [
                "片区一6742742100.00%70053876.86%17241855107.60%///161168.75%966971.88%13753.85%",
                "片区二5431431100.00%40029874.50%172486250.00%///161275.00%967173.96%13861.54%",
                "片区三3360360100.00%30017558.33%86249857.77%///8450.00%482041.67%6466.67%",
                "合计1415331533100.00%1400101172.21%4310321574.59%///402767.50%24016066.67%321959.38%",
                "片区一64250.00%24729.17%1204638.33%66100.00%60053489.00%201680.00%100072172.10%",
                "片区二54375.00%241875.00%120192160.00%44100.00%400658164.50%20840.00%100053353.30%",
                "片区三3100.00%600.00%3000.00%5480.00%500600120.00%20840.00%100036236.20%",
                "合计149555.56%542546.30%27023888.15%151493.33%15001792119.47%603253.33%3000161653.87%",
            ],
        )
        for expected in [
            "咨询、偶到服务人次171585850.03%", "老年志愿队伍培育支2150.00%", "联动社区社会组织个8450.00%",
            "培训时数小时1080783.572.55%", "会议时数小时108054050.00%", "社区基金培育个1111100.00%",
            "评估工作次2150.00%", "品牌创建工作人次171585850.03%", "社区调研份44100.00%",
        ]:
            self.assertOnOneLine("xicun-2024-mid", expected)

    def test_attachment2_staff_figures_of_seed_001(self):
        flat = self.flat["xicun-2024-mid"]
        self.assertOnOneLine("xicun-2024-mid", "持证社工有效人次小计16181713.51377.561")
        self.assertOnOneLine("xicun-2024-mid", "非持证社工有效人次小计443221510")
        self.assertOnOneLine("xicun-2024-mid", "社工有效人次总数（持证＋非持证）20222015.51592.571")
        self.assertOnOneLine("xicun-2024-mid", "每月社保购买、工资发放、人员到岗等情况总计202020222222202020161616151515")
        self.assertInText("14/20=70.00%", flat)
        self.assertInText("持证社工应到岗65人次，实到岗77.5人次，超配12.5人次", flat)
        self.assertInText("76.76%", flat)
        self.assertInText("8.47小时", flat)

    def test_attachments_are_on_landscape_pages_with_repeated_headers(self):
        data = self.pdfs["xicun-2024-mid"]
        pages = int(re.search(r"Pages:\s+(\d+)", pdf_info(data)).group(1))
        sizes = re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+)", pdf_info(data, 1, pages))
        landscape = [int(n) for n, w, h in sizes if float(w) > float(h)]
        portrait = [int(n) for n, w, h in sizes if float(w) < float(h)]
        self.assertGreaterEqual(len(landscape), 3)  # 附件1 and 附件2 (two pages: 24 staff)
        self.assertEqual(landscape, list(range(landscape[0], pages + 1)))  # nothing portrait after them
        self.assertEqual(portrait, list(range(1, landscape[0])))
        staff_pages = [n for n in landscape if "岗位资格证/资质" in pdf_text(data, first=n, last=n)]
        self.assertGreaterEqual(len(staff_pages), 2)  # 24 staff: the table continues on a second page
        for n in staff_pages:  # thead repeated: every page names the columns and the five months
            page = squash(pdf_text(data, first=n, last=n))
            for label in ["类型", "姓名", "2024年12月", "2025年1月", "2025年2月", "2025年3月", "2025年4月", "备注"]:
                self.assertIn(label, page, f"page {n}")

    def test_running_header_and_page_footer(self):
        data = self.pdfs["xicun-2024-mid"]
        pages = int(re.search(r"Pages:\s+(\d+)", pdf_info(data)).group(1))
        page2 = pdf_text(data, first=2, last=2)
        self.assertTrue(squash(page2).startswith("广州市西村街社工服务站中期评估报告"))
        self.assertIn(f"第 2 页 共 {pages} 页", page2)
        self.assertIn(f"第 {pages} 页 共 {pages} 页", pdf_text(data, first=pages, last=pages))

    def test_bookmarks_follow_the_headings(self):
        titles = pdf_outline_titles(self.pdfs["xicun-2024-mid"])
        for expected in ["一、社工站基本情况", "（五）评估结果说明", "七、评估结果", "八、结语"]:
            self.assertIn(expected, titles)
        self.assertTrue(any(t.startswith("附件1") for t in titles))

    def test_chart_is_drawn_in_the_pdf_without_images(self):
        flat = self.flat["xicun-2024-mid"]
        self.assertInText("各片区服务指标完成率", flat)
        self.assertInText("时间进度41.67%", flat)
        self.assertEqual(pdf_image_count(self.pdfs["xicun-2024-mid"]), 0)  # vector SVG, no raster

    # --- jingtai-2023: seed 002 ---------------------------------------------------------------------------------

    def assertInOrder(self, code: str, headings: list[str]) -> None:
        """Each heading is in the text, after the one before it."""
        flat = self.flat[code]
        position = 0
        for heading in headings:
            found = flat.find(heading, position)
            if found < 0:
                self.fail(f"{code}: {heading!r} missing or out of order (after position {position})")
            position = found + len(heading)

    def test_jingtai_sections_and_sub_headings_of_seed_002(self):
        self.assertInOrder("jingtai-2023", [
            "一、评价项目概述", "（一）项目背景资料", "为全面贯彻党中央", "（二）项目资金分配情况", "共240万",
            "（三）项目政策依据", "根据省、市民政部门",
            "二、项目绩效目标和绩效指标设定情况", "项目年度绩效目标为", "项目绩效指标构成及分值权重",
            "三、绩效评价组织情况", "（一）绩效评价目的", "从资金投入", "（二）绩效评价标准和评价方法", "1、评价标准。",
            "90（含90）-100分为“优”", "2、评价方法。", "（三）绩效评价实施过程", "1、前期准备", "2、组织实施", "3、分析评价",
            "四、绩效评价指标分析情况", "（一）项目管理绩效指标分析", "（二）项目结果绩效情况分析",
            "1、过程（满分27分，得分25分）", "（1）资金管理（满分12分，得分12分）", "（2）业务管理（满分15分，得分13分）",
            "2、产出指标（满分53分，得分52分）", "（1）数量指标（满分20分，得分20分）", "①总服务时长（满分5分，得分5分）",
            "②社工站人员到位率（满分5分，得分5分）", "③服务指标数量（满分10分，得分10分）",
            "（2）质量指标（满分15分，得分14分）", "（3）时效指标（满分10分，得分10分）",
            "（4）成本指标（满分8分，得分8分）", "3、效益指标（满分20分，得分18.48分）",
            "①社工服务站的社会知晓率（满分10分，得分9.5分）", "②服务对象满意度（满分10分，得分8.98分）",
            "五、项目综合评价等级和评价结论", "（一）项目综合评价得分及评价等级", "本项目总体绩效得分95.48分，评价等级为“优”",
            "（二）项目综合评价结论", "六、主要经验做法、存在的问题和建议", "1、完善各项管理制度", "（一）政策方面建议。",
            "（二）项目管理方面建议。", "（三）绩效管理方面建议。", "（四）其他方面建议",
            "七、绩效评价结果应用", "（一）完善绩效目标设置。", "（二）规范绩效指标设置。",
        ])

    def test_jingtai_sub_headings_are_lines_of_their_own(self):
        lines = self.lines["jingtai-2023"]
        for heading in ["（一）绩效评价目的", "（二）绩效评价标准和评价方法", "1、评价标准。", "1、前期准备", "（四）其他方面建议",
                        "（一）政策方面建议。", "（一）项目背景资料", "七、绩效评价结果应用"]:
            self.assertIn(heading, lines)

    def test_jingtai_states_its_budget_in_prose_without_a_budget_table(self):
        flat = self.flat["jingtai-2023"]
        self.assertInText("年中未发生调整，年末调增算220万，财政资金支出460万元", flat)
        for absent in ["项目预算及执行情况", "年初预算数全年预算数", "年度服务指标完成情况", "采购信息"]:
            self.assertNotIn(absent, flat)
        # Seed 002's goals are under 二, not under 一.
        self.assertLess(flat.index("二、项目绩效目标和绩效指标设定情况"), flat.index("项目年度绩效目标为"))

    def test_jingtai_holds_every_points_score_and_rate_of_seed_002(self):
        lines = self.lines["jingtai-2023"]
        analysis = lines[lines.index("项目绩效评价指标得分情况"):]
        rows = [line for line in analysis if re.search(r"\d+\.\d\d%?$", line)]
        # Seed 002's layout: one row per leaf, the 一级 / 二级 names spanning their rows (pdftotext prints a spanning
        # name on its own line or on one of its rows), no subtotal rows, and the 合计 row's 得分率 left empty.
        expected = [
            "预算执行率12.0012.00100.00%", "每季度督查15.0013.0086.67%", "总服务时长5.005.00100.00%",
            "社工站人员到位率5.005.00100.00%", "服务指标数量10.0010.00100.00%", "第三方评估结果15.0014.0093.33%",
            "项目开展及时性10.0010.00100.00%", "服务保障费5.005.00100.00%", "中标机构管理费3.003.00100.00%",
            "社工服务站的社会知晓率10.009.5095.00%", "服务对象满意度10.008.9889.78%", "合计100.0095.48",
        ]
        self.assertEqual(len(rows[:12]), 12)
        for row, tail in zip(rows[:12], expected, strict=True):
            self.assertTrue(row.endswith(tail), (row, tail))
        self.assertNotIn("小计", "".join(analysis[:analysis.index(rows[11]) + 1]))
        # The level rates are in the text below the table.
        flat = self.flat["jingtai-2023"]
        # Seed 002's own sentence, the lowest 二级 rates rounded to whole percent (issue 11).
        self.assertInText(
            "从3个一级指标得分率均超过90%，过程指标得分率92.59%，产出指标得分率为98.11%，效益指标得分率为92.39%。"
            "从8个二级指标得分率看过程业务管理的得分率最低87%，其次为服务对象满意度得分率90%。", flat
        )
        self.assertInText("根据项目管理绩效评价表中各指标得分对项目的立项定位、预算编制、组织实施、绩效管理等情况进行分析。", flat)
        self.assertInText("根据本次绩效评分表，本项目绩效评价总分100分，本项目总体绩效得分95.48分，评价等级为“优”", flat)

    def test_jingtai_indicator_system_table_lists_the_points(self):
        lines = self.lines["jingtai-2023"]
        start = lines.index("项目绩效指标构成及分值权重")
        system = [line for line in lines[start:lines.index("三、绩效评价组织情况", start)] if line]
        self.assertEqual(
            [line for line in system if re.search(r"\d$", line)],
            [
                "资金管理预算执行率12", "业务管理每季度督查15", "总服务时长5", "数量指标社工站人员到位率5",
                "服务指标数量10", "产出指标质量指标第三方评估结果15", "时效指标项目开展及时性10", "服务保障费5",
                "中标机构管理费3", "社工服务站的社会知晓率10", "服务对象满意度10", "合计100",
            ],
        )

    # --- issue 11: draft mark, facts only, covers, restored seed text, 附件2 ---------------------------------

    def page_texts(self, code: str) -> list[str]:
        """Each page's text (pdftotext -layout, whitespace removed): a running header is one line of it."""
        data = self.pdfs[code]
        pages = int(re.search(r"Pages:\s+(\d+)", pdf_info(data)).group(1))
        return [squash(pdf_text(data, layout=True, first=n, last=n)) for n in range(1, pages + 1)]

    def test_draft_says_so_on_every_page_and_in_its_title(self):
        pages = self.page_texts(DRAFT)
        self.assertGreaterEqual(len(pages), 5)
        for number, text in enumerate(pages, start=1):
            with self.subTest(page=number):
                self.assertIn("未定稿", text)
        # The running header of every page after the cover, landscape attachments included.
        for number, text in enumerate(pages[1:], start=2):
            with self.subTest(header=number):
                self.assertTrue(text.startswith("广州市西村街社工服务站末期评估报告（未定稿）"), text[:40])
        self.assertRegex(pdf_info(self.pdfs[DRAFT]), r"Title:\s+广州市西村街社工服务站 末期评估报告（未定稿）")
        self.assertIn("（未定稿，仅供内部核对）", pages[0])
        # A finalised report carries no draft mark anywhere.
        self.assertNotIn("未定稿", self.flat["xicun-2024-mid"])
        self.assertNotIn("未定稿", pdf_info(self.pdfs["xicun-2024-mid"]))

    def test_draft_cover_mark_is_centred(self):
        line = next(line for line in pdf_text(self.pdfs[DRAFT], layout=True, first=1, last=1).splitlines()
                    if "未定稿" in line and "仅供内部核对" in line)
        left = len(line) - len(line.lstrip())
        title = next(line for line in pdf_text(self.pdfs[DRAFT], layout=True, first=1, last=1).splitlines()
                     if "评估报告" in line)
        title_left = len(title) - len(title.lstrip())
        self.assertGreater(left, title_left)  # narrower than the title and centred under it, not flush left

    def test_draft_with_missing_months_prints_no_zeros_as_facts(self):
        flat = self.flat[DRAFT]
        # Figures entered up to 2025-04 of an 11-month 考核期: the report says so and counts 5 months.
        self.assertInText("共计考核11个月。考核期共11个月，2025年5月至2025年10月的数据尚未录入", flat)
        self.assertInText("以上数据统计共计5个考核月份（考核期共11个月，其余月份尚未录入）", flat)
        self.assertNotIn("共计11个考核月份", flat)
        self.assertInText("截至2025年4月，困难群众和特殊群体建档完成1533个", flat)
        self.assertOnOneLine(DRAFT, "稳岗率（截至2025年4月）70.00%")
        self.assertOnOneLine(DRAFT, "2025年4月中级/助理级社工师7名/6名")
        self.assertNotIn("=0.00%", flat)  # 附件2's 稳岗率 row: 14 / 20 = 70.00% up to April, not 0 / 20
        self.assertNotIn("0名/0名", flat)

    def test_parties_that_have_not_submitted_are_not_shown_as_having_no_findings(self):
        flat = self.flat[DRAFT]
        self.assertNotIn("无。", flat)
        self.assertEqual(flat.count("该评估方尚未提交评估意见。"), 3)  # 三、四、五
        self.assertInText("第三方评估机构尚未提交评估意见。", flat)
        self.assertInText("四方评估尚未全部提交，总得分与等级待定。", flat)

    def test_cover_titles_break_only_between_words(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                title = re.search(r"Title:\s+(.+)", pdf_info(self.pdfs[code])).group(1).replace("（未定稿）", "")
                words = title_words(title)
                boundaries = {sum(len(w) for w in words[:i]) for i in range(len(words) + 1)}
                target = "".join(words)
                lines = [squash(line) for line in pdf_text(self.pdfs[code], layout=True, first=1, last=1).splitlines()]
                title_lines = [line for line in lines if line and line in target and len(line) > 1]
                self.assertEqual("".join(title_lines), target)
                position = 0
                for line in title_lines:
                    position += len(line)
                    self.assertIn(position, boundaries, f"{code}: a cover line ends inside a word: {line!r}")
        self.assertEqual(
            title_words("2023年度广州市白云区人民政府景泰街道部门重点项目绩效评价报告"),
            ["2023年度", "广州市", "白云区", "人民政府", "景泰街道", "部门", "重点项目", "绩效评价报告"],
        )

    def test_covers_have_no_internal_labels_and_no_page_number(self):
        for code in DEMO_CODES:
            with self.subTest(code=code):
                cover = squash(pdf_text(self.pdfs[code], first=1, last=1))
                for absent in ["评价方式", "仅文字评价", "计分（", "第1页", "页共"]:
                    self.assertNotIn(absent, cover)
                self.assertIn("第2页", squash(pdf_text(self.pdfs[code], first=2, last=2)))

    def test_cover_values_wrap_under_themselves(self):
        lines = pdf_text(self.pdfs["jingtai-2023"], layout=True, first=1, last=1).splitlines()
        index = next(i for i, line in enumerate(lines) if "项目名称：" in line)
        value_column = lines[index].index("广州市")
        following = next(line for line in lines[index + 1:] if line.strip())
        self.assertIn("（2023年度）", following)
        self.assertAlmostEqual(len(following) - len(following.lstrip()), value_column, delta=1)

    def test_restored_seed_text(self):
        jingtai, yuangang, mid = self.flat["jingtai-2023"], self.flat["yuangang-2023"], self.flat["xicun-2024-mid"]
        # Seed 002 §四（二）2（4）, word for word.
        self.assertInText(
            "（4）成本指标（满分8分，得分8分）2023年广州市白云区民政局聘请税务师事务所（广州市诚安信税务师事务所有限公司）"
            "出具财务报告，景泰街社工站的服务保障费和中标机构管理费使用符合《广州市社工服务站（家庭综合服务中心）管理办法》"
            "（穗府办规〔2018〕13号）要求，审计结果为合格，故得8分。", jingtai,
        )
        # Seed 003: the 附件 label first on the cover, the 法人代表 sentence (an invented name), headings (1)–(5) on
        # lines of their own.
        self.assertTrue(squash(pdf_text(self.pdfs["yuangang-2023"], first=1, last=1)).startswith("附件4"))
        self.assertInText("6、中标供应商：广州市北斗星社会工作服务中心；法人代表是", yuangang)
        for heading in ["（1）核心项目：“星耀元岗”社工党建服务项目", "（2）重点项目：“五社联动·平安元岗”社区消防安全共治项目",
                        "（3）特色项目：“益慈元爱”项目", "（4）特色项目：“元岗来穗融合”项目",
                        "（5）基础项目：家庭服务、长者服务、青少年服务"]:
            self.assertIn(heading, self.lines["yuangang-2023"])
        # Seed 001 §一 and §六（三）.
        self.assertInText("社工站本年度按照新模式，根据辖区实际情况和购买方需求，划分了三个片区开展社会工作专业服务。", mid)
        self.assertInText("社工站本年度按照新管理办法，根据辖区实际情况和购买方需求，划分了三个片区开展社会工作专业服务。", mid)

    def test_narrative_report_tables_agree_with_their_text(self):
        # yuangang-2023: seed 003 publishes no targets, so no target table; zhongluotan-2022: every target and
        # actual of its table is in the report's own text (seed 004 §二（一）and §三（二）).
        self.assertNotIn("年度服务指标完成情况", self.flat["yuangang-2023"])
        self.assertNotIn("年度目标", self.flat["yuangang-2023"])
        flat = self.flat["zhongluotan-2022"]
        for target, actual in [("1600", "1600"), ("90", "104"), ("44", "44"), ("40", "57"), ("12", "12"),
                               ("28", "45"), ("150", "314"), ("400", "2147"), ("16", "16")]:
            self.assertInText(target, flat[:flat.index("年度服务指标完成情况")] + flat[flat.index("二、绩效评价概述"):])
            self.assertInText(actual, flat[flat.index("二、绩效评价概述"):])

    def test_attachment2_merges_its_types_and_marks_continuation_pages(self):
        html = report_source_for_code("xicun-2024-mid").html()
        self.assertRegex(html, r'<td class="c type" rowspan="20"><span class="w">持证</span><span class="w">社工</span></td>')
        self.assertRegex(html, r'<td class="c type" rowspan="4"><span class="w">非持证</span><span class="w">社工</span></td>')
        self.assertIn('<span class="w">人员</span><span class="w">到位</span>', html)
        pages = self.page_texts("xicun-2024-mid")
        attachment2 = [n for n, text in enumerate(pages) if "附件2广州市西村街社工服务站购买服务项目社工到岗情况统计表" in text]
        self.assertGreaterEqual(len(attachment2), 2)
        first, *rest = attachment2
        self.assertNotIn("统计表（续）", pages[first])
        for n in rest:
            self.assertIn("附件2广州市西村街社工服务站购买服务项目社工到岗情况统计表（续）", pages[n])

    def test_reports_are_tagged_pdfs(self):
        # reports.pdf.REPORT_PDF_TAGS: a structure tree for screen readers (cost measured by bench/bench_pdf.py).
        for code in DEMO_CODES:
            with self.subTest(code=code):
                self.assertRegex(pdf_info(self.pdfs[code]), r"Tagged:\s+yes")

    def test_attachment2_of_a_long_period_is_split_into_tables_of_months(self):
        self.assertEqual(_month_chunks(5), [(0, 5)])
        self.assertEqual(_month_chunks(7), [(0, 7)])
        self.assertEqual(_month_chunks(11), [(0, 6), (6, 11)])
        self.assertEqual(_month_chunks(12), [(0, 6), (6, 12)])

    def test_text_is_at_least_7_5_pt_and_chart_labels_at_least_8_pt(self):
        from django.contrib.staticfiles import finders

        with open(finders.find("reports/pdf.css"), encoding="utf-8") as stylesheet:
            css = stylesheet.read()
        sizes = [float(size) for size in re.findall(r"font-size:\s*([0-9.]+)pt", css)]
        self.assertGreaterEqual(min(sizes), 7.5)
        # No justified text: WeasyPrint widens only spaces, which opened gaps around figures in Chinese text.
        self.assertNotIn("justify", css)
        html = report_source_for_code("xicun-2024-mid").html()
        svg = html[html.index("<svg"):html.index("</svg>")]
        px = [float(size) for size in re.findall(r'font-size="([0-9.]+)"', svg)]
        self.assertGreaterEqual(min(px) * 0.75, 8)  # CSS px → pt

    def test_chart_values_are_right_of_every_reference_line(self):
        html = report_source_for_code("xicun-2024-mid").html()
        svg = html[html.index("<svg"):html.index("</svg>")]
        lines_x = [float(x) for x in re.findall(r'<line x1="([0-9.]+)"', svg)]
        values_x = [float(x) for x in re.findall(r'<text x="([0-9.]+)"[^>]*text-anchor="end"[^>]*>[0-9./%]+', svg)]
        self.assertTrue(values_x)
        # A value is right-aligned at its x; its text (≤ 8 characters of 11 px, ~6 px wide each) starts left of it.
        self.assertGreater(min(values_x) - 8 * 6.5, max(lines_x))

    # --- xicun-2022: seed 000 (judged indicators, 表1, ledgers) ---------------------------------------------

    def test_xicun_2022_sections_of_seed_000(self):
        self.assertInOrder("xicun-2022", [
            "一、评价项目概述", "（一）项目背景", "（二）项目立项依据", "（三）项目绩效目标", "（四）项目资金来源及使用情况",
            "项目年初预算数244.8万元", "表1项目支出明细情况", "（五）项目实施情况",
            "核心项目执行情况", "“新春献福”慰问防疫人员活动", "重点项目执行情况", "“关爱老人，守护安全”宣传活动",
            "长者服务项目执行情况", "儿童及家庭服务项目执行情况", "青少年服务项目执行情况",
            "特色项目执行情况", "和苑帮帮队游学活动",
            "二、绩效评价概述", "设计绩效评价三级指标共20个", "数量指标方面，达到预期目标。",
            "成本指标方面，未完全达到预期目标。", "三、评价结论与绩效分析", "四、项目主要绩效或成功经验",
            "（一）党建引领为核心，积极应对社区疫情防控。", "五、存在问题或不足", "六、相关建议",
        ])
        flat = self.flat["xicun-2022"]
        for absent in ["项目预算及执行情况", "项目绩效指标构成", "项目综合评价等级和评价结论", "七、"]:
            self.assertNotIn(absent, flat)

    def test_xicun_2022_expense_table_1(self):
        self.assertOnOneLine("xicun-2022", "表1项目支出明细情况")
        self.assertOnOneLine("xicun-2022", "单位：万元")
        self.assertOnOneLine("xicun-2022", "序号项目支出名称实际使用金额")
        self.assertOnOneLine("xicun-2022", "1家庭综合服务中心经费-广州市荔湾区逢源人家服务中心240.00")
        self.assertOnOneLine("xicun-2022", "22021-2022年度社工站专业服务评估费用-广州市社会组织联合会3.84")
        self.assertOnOneLine("xicun-2022", "32021-2022年度社工站专业服务评估费用-广东诚安信税务师事务所有限公司0.96")
        self.assertOnOneLine("xicun-2022", "合计244.80")

    def test_xicun_2022_prints_no_invented_indicator_table(self):
        """Seed 000 has no table of its 20 indicators; the demo's invented one (row 12 "≤15%" against the text's
        "≥85%") is gone, the text with its figures stays (issue 11)."""
        flat = self.flat["xicun-2022"]
        self.assertNotIn("绩效指标完成情况", flat)
        self.assertNotIn("≤15%", flat)
        self.assertNotIn("是否达到", flat)
        self.assertInText("年初指标值是≥85%", flat)

    def test_xicun_2022_activity_ledgers_per_service_project(self):
        flat = self.flat["xicun-2022"]
        # Each ledger follows its project's summary, not a title of its own.
        self.assertOnOneLine("xicun-2022", "完成日期活动名称服务人次资源联动主体")
        self.assertOnOneLine("xicun-2022", "完成日期活动名称活动性质服务人次资源联动主体")
        self.assertInText("各项服务产出如下表所示：", flat)
        self.assertInText("党群聚合力", flat)
        self.assertNotIn("核心项目：党建引领社区共建项目执行情况", flat)
        self.assertOnOneLine("xicun-2022", "2022年1月“新春献福”慰问防疫人员活动87广东阔淼生活用品有限公司")

    # --- seeds 003/004: narrative reports through the same template -----------------------------------------

    def test_yuangang_2023_sections_of_seed_003(self):
        self.assertInOrder("yuangang-2023", [
            "一、评价项目概述", "（一）项目背景", "（二）项目立项依据", "1、采购项目编号：440106-201808-102130-0013",
            "6、中标供应商：广州市北斗星社会工作服务中心", "（三）项目绩效目标", "（四）项目资金来源及使用情况",
            "（五）项目实施情况", "二、评价结论与绩效分析", "（一）总体结论", "总分值为95分",
            "（二）项目绩效分析", "三、项目主要绩效或成功经验", "（一）行政运营方面", "1、社工站有效保障服务对象安全",
            "（二）服务方面", "四、存在问题或不足", "五、相关建议",
        ])
        self.assertNotIn("采购信息", self.flat["yuangang-2023"])  # the facts are in the text, as in seed 003
        self.assertIn("（一）总体结论", self.lines["yuangang-2023"])
        self.assertInText("达成率", self.flat["yuangang-2023"])

    def test_zhongluotan_2022_sections_of_seed_004(self):
        self.assertInOrder("zhongluotan-2022", [
            "一、评价项目概述", "（一）项目背景", "（二）项目立项依据", "（三）项目绩效目标", "（四）项目资金来源及使用情况",
            "项目经费拨付安排", "（五）项目实施情况", "年度服务指标完成情况", "二、绩效评价概述", "（一）评价目的",
            "（二）评价设计与实施", "（三）绩效评价指标体系和评分标准方法", "三、评价结论与绩效分析", "（一）总体结论",
            "（二）项目绩效分析", "四、项目主要绩效或成功经验", "五、存在问题或不足", "六、相关建议",
        ])
        self.assertOnOneLine("zhongluotan-2022", "专业个案接案数个案90104115.56%")

    def test_zhongluotan_2022_tranches_55_40_5(self):
        flat = self.flat["zhongluotan-2022"]
        self.assertInText("第1期55%", flat)
        self.assertInText("第2期40%", flat)
        self.assertInText("第3期5%", flat)
        # One money format: 万元 like every other amount of the report (issue 11: not 1,091,475.00 元).
        self.assertInText("项目经费拨付安排（合同金额198.45万元）", flat)
        self.assertInText("拨付金额（万元）", flat)
        self.assertInText("109.15", flat)
        self.assertNotIn("1,091,475.00", flat)
        self.assertNotIn("1,984,500.00", flat)


class LongPeriodTests(TestCase):
    """The 11-month final evaluation once every month is entered: complete coverage, 附件2 in two tables of months."""

    @classmethod
    def setUpTestData(cls):
        from evalportal.periods import add_months
        from indicators.models import MonthlyActual

        demo_load()
        cls.evaluation = Evaluation.objects.get(code=DRAFT)
        contract = cls.evaluation.contract
        april = date(2025, 4, 1)
        for month_number in range(1, 7):  # 2025-05 … 2025-10
            month = add_months(april, month_number)
            StaffMonth.objects.bulk_create([
                StaffMonth(staff=m.staff, month=month, on_post=m.on_post, social_insurance=m.social_insurance,
                           salary_paid=m.salary_paid, service_area=m.service_area)
                for m in StaffMonth.objects.filter(staff__contract=contract, month=april)
            ])
            MonthlyActual.objects.bulk_create([
                MonthlyActual(contract=contract, service_area=a.service_area, indicator=a.indicator, month=month,
                              value=a.value)
                for a in MonthlyActual.objects.filter(contract=contract, month=april)
            ])

    def test_complete_period_and_attachment2_in_tables_of_months(self):
        context = build_evaluation_report_context(self.evaluation)
        self.assertTrue(context["coverage"].complete)
        self.assertEqual(context["months_count"], 11)
        self.assertEqual(context["coverage_note"], "")
        tables = context["staff_tables"]
        self.assertEqual([len(t["months"]) for t in tables], [6, 5])
        self.assertEqual([(t["first"], t["last"]) for t in tables], [(True, False), (False, True)])
        html = pdf.render_html("reports/pdf/evaluation.html", context)
        self.assertIn('<p class="caption continued">附件2（续表）　2025年6月至 2025年10月</p>', html)
        self.assertEqual(html.count('<table class="staff">'), 2)
        self.assertEqual(html.count("<th rowspan=\"2\">备注</th>"), 1)  # the subtotal columns close the last table
        self.assertIn("共计考核 11 个月。</p>", html)
        self.assertNotIn("尚未录入", html)


class TemplatesRunNoQueriesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()

    def test_evaluation_template_renders_the_built_context_without_queries(self):
        context = build_evaluation_report_context(Evaluation.objects.get(code="xicun-2024-mid"))
        with self.assertNumQueries(0):
            html = pdf.render_html("reports/pdf/evaluation.html", context)
        self.assertIn("89.08", html)

    def test_performance_templates_render_the_built_context_without_queries(self):
        for code in ["xicun-2022", "jingtai-2023", "yuangang-2023", "zhongluotan-2022"]:
            with self.subTest(code=code):
                context = build_performance_report_context(PerformanceEvaluation.objects.get(code=code))
                with self.assertNumQueries(0):
                    pdf.render_html("reports/pdf/performance.html", context)

    def test_evaluation_builder_queries_do_not_grow_with_areas_staff_or_findings(self):
        evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        # evaluation with its parties, findings and their 片区, service areas and communities, party scores, the
        # completion table, the staff table (staff, months, training hours), the latest closed satisfaction survey
        # (none here).
        with self.assertNumQueries(17):  # … and the last month with indicator figures and with staff months
            build_evaluation_report_context(evaluation)
        contract = evaluation.contract
        for n in range(4, 8):
            area = ServiceArea.objects.create(contract=contract, name=f"片区{n}", order=n, social_workers=2)
            area.communities.add(Community.objects.create(station=contract.station, name=f"新社区{n}", order=50 + n))
            finding = Finding.objects.create(
                evaluation=evaluation, party=Party.THIRD_PARTY, section=Finding.Section.AREAS,
                kind=Finding.Kind.POSITIVE, text=f"片区{n}的服务。", order=100 + n,
            )
            finding.areas.add(area)
            member = StaffMember.objects.create(
                contract=contract, order=100 + n, name=f"新社工{n}", position=StaffMember.Position.AREA_WORKER,
                certificate=StaffMember.Certificate.ASSISTANT, service_area=area,
            )
            StaffMonth.objects.create(staff=member, month=date(2025, 4, 1), on_post=1, service_area=area)
        with self.assertNumQueries(17):
            context = build_evaluation_report_context(evaluation)
        self.assertEqual(len(context["areas"]), 7)
        self.assertEqual(len(context["area_blocks"]), 6)

    def test_performance_builder_queries_do_not_grow_with_ledgers_or_expenses(self):
        pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        # pe with department and contract, expenses, indicator tree, tranches, the completion table, the ledger.
        with self.assertNumQueries(8):
            build_performance_report_context(pe)
        for n in range(30):
            ActivityEntry.objects.create(
                contract=pe.contract, service_project=pe.contract.service_projects.first(), date=date(2022, 8, 1),
                name=f"活动{n}", participants=10,
            )
        ExpenseLine.objects.create(evaluation=pe, order=9, name="其他", amount=Decimal("1.00"))
        with self.assertNumQueries(8):
            context = build_performance_report_context(pe)
        self.assertEqual(len(context["expenses"]), 4)

    def test_html_is_chinese_a4_with_metadata(self):
        html = report_source_for_code("xicun-2024-mid").html()
        self.assertIn('<html lang="zh-CN">', html)
        self.assertIn("<title>广州市西村街社工服务站 中期评估报告</title>", html)
        self.assertIn('<meta name="author" content="广州市社会工作协会">', html)
        self.assertIn('<meta name="dcterms.created" content="2025-05-13">', html)
