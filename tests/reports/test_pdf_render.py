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
from reports.builders import build_evaluation_report_context, build_performance_report_context
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

DEMO_CODES = ["xicun-2024-mid", "xicun-2022", "jingtai-2023", "yuangang-2023", "zhongluotan-2022"]


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
        self.assertTrue(page2.strip().startswith("广州市西村街社工服务站 中期评估报告"))
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
        for text in ["过程得分率92.59%", "产出指标得分率98.11%", "效益指标得分率92.39%", "业务管理得分率86.67%",
                     "服务对象满意度得分率89.78%"]:
            self.assertInText(text, flat)
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

    # --- xicun-2022: seed 000 (judged indicators, 表1, ledgers) ---------------------------------------------

    def test_xicun_2022_sections_of_seed_000(self):
        self.assertInOrder("xicun-2022", [
            "一、评价项目概述", "（一）项目背景", "（二）项目立项依据", "（三）项目绩效目标", "（四）项目资金来源及使用情况",
            "项目年初预算数244.8万元", "表1项目支出明细情况", "（五）项目实施情况",
            "核心项目执行情况", "“新春献福”慰问防疫人员活动", "重点项目执行情况", "“关爱老人，守护安全”宣传活动",
            "长者服务项目执行情况", "儿童及家庭服务项目执行情况", "青少年服务项目执行情况",
            "特色项目执行情况", "和苑帮帮队游学活动",
            "二、绩效评价概述", "设计绩效评价三级指标共20个", "绩效指标完成情况", "数量指标方面，达到预期目标。",
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

    def test_xicun_2022_judged_indicators_with_reasons(self):
        flat = self.flat["xicun-2022"]
        start = flat.index("绩效指标完成情况序号")
        table = flat[start:flat.index("数量指标方面，达到预期目标", start)]
        self.assertOnOneLine("xicun-2022", "序号二级指标三级指标指标值完成情况是否达到原因分析")
        pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        judged = pe.indicators.exclude(judgement="")
        self.assertEqual(judged.count(), 20)  # seed 000: 20 三级指标
        self.assertEqual(table.count("未完全达到"), judged.filter(judgement="partly").count())
        self.assertEqual(table.count("达到"), 20 + 1)  # 20 rows and the 是否达到 header
        self.assertInText("≥85%", table)
        self.assertInText("疫情期间，很多活动不能开展", table)

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
            "（五）项目实施情况", "年度服务指标完成情况", "二、评价结论与绩效分析", "（一）总体结论", "总分值为95分",
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
        self.assertInText("1,091,475.00", flat)


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
        # completion table, the staff table (staff, months, training hours).
        with self.assertNumQueries(14):
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
        with self.assertNumQueries(14):
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
