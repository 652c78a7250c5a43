"""Shapes of the API's JSON (issue 12). Decimals travel as strings ("783.5"), rates as strings with two decimals
("76.86") or null where the report prints "/"; months as "YYYY-MM"."""

from __future__ import annotations

from rest_framework import serializers


class DistrictSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="区 id（列表筛选参数 district 用）")
    code = serializers.CharField(help_text="区代码")
    name = serializers.CharField(help_text="区名称")


class StreetSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="街道 id（列表筛选参数 street 用）")
    code = serializers.CharField(help_text="街道/镇代码")
    name = serializers.CharField(help_text="街道/镇名称")
    kind = serializers.CharField(help_text="street 街道 / town 镇")
    district = serializers.IntegerField(source="district_id", help_text="区 id")
    district_name = serializers.CharField(source="district.name", help_text="区名称")


class StationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="站点代码")
    name = serializers.CharField(help_text="站点名称")
    street_id = serializers.IntegerField(help_text="街道 id")
    street = serializers.CharField(source="street.name", help_text="街道/镇")
    district = serializers.CharField(source="street.district.code", help_text="区代码")


class ContractSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="服务协议代码")
    station = serializers.CharField(source="station.code", help_text="站点代码")
    station_name = serializers.CharField(source="station.name", help_text="站点名称")
    start_date = serializers.DateField(help_text="服务期开始")
    end_date = serializers.DateField(help_text="服务期结束")
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="预算（元）")


class AreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="片区名称")


class TargetSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="service_area_id", allow_null=True, help_text="片区 id；全站指标为 null")
    indicator = serializers.CharField(source="indicator.code", help_text="指标代码")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="协议量")


class ContractDetailSerializer(ContractSerializer):
    areas = AreaSerializer(many=True, source="service_areas.all", help_text="片区")
    targets = TargetSerializer(many=True, source="targets.all", help_text="协议量")


class CellSerializer(serializers.Serializer):
    area = serializers.IntegerField(allow_null=True, help_text="片区 id；全站指标为 null")
    indicator = serializers.CharField(max_length=40, help_text="指标代码")
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="月份，如 2025-04")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, coerce_to_string=True,
                                     help_text="完成量；null 清空")
    version = serializers.IntegerField(min_value=0, help_text="读取时的版本号；空单元格为 0")


class CellReadSerializer(CellSerializer):
    editable = serializers.BooleanField(help_text="可否修改")
    lock_reason = serializers.CharField(allow_blank=True, help_text="不能修改的原因")


class QuarterSerializer(serializers.Serializer):
    contract = serializers.CharField()
    quarter = serializers.CharField(help_text="如 2025-Q2")
    status = serializers.CharField(help_text="draft 填报中 / submitted 已提交 / returned 已退回 …")
    status_label = serializers.CharField()
    version = serializers.IntegerField(help_text="季度版本号（提交时带上）")
    cells = CellReadSerializer(many=True)


class QuarterWriteSerializer(serializers.Serializer):
    cells = CellSerializer(many=True, help_text="要保存的单元格（最多 2000 个）")

    def validate_cells(self, cells):
        if len(cells) > 2000:
            raise serializers.ValidationError("一次最多保存 2000 个单元格。")
        return cells


class SaveResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="读取到的季度版本号")


class CompletionCellSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    name = serializers.CharField()
    target = serializers.CharField(allow_null=True)
    actual = serializers.CharField(allow_null=True)
    rate = serializers.CharField(allow_null=True, help_text="完成率 %，两位小数（四舍五入）；无协议量为 null（报告印“/”）")
    behind_pace = serializers.BooleanField()


class CompletionRowSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="片区名称；合计行为“合计”")
    social_workers = serializers.IntegerField()
    cells = CompletionCellSerializer(many=True)


class CompletionSerializer(serializers.Serializer):
    contract = serializers.CharField()
    cutoff = serializers.DateField()
    months = serializers.IntegerField(help_text="考核期月数")
    area_rows = CompletionRowSerializer(many=True)
    total_row = CompletionRowSerializer(allow_null=True)
    station = CompletionCellSerializer(many=True, help_text="全站指标")


class PartySerializer(serializers.Serializer):
    party = serializers.CharField()
    label = serializers.CharField()
    status = serializers.CharField()
    points = serializers.CharField(allow_null=True, help_text="只在已提交后显示")


class EvaluationSerializer(serializers.Serializer):
    code = serializers.CharField()
    contract = serializers.CharField(source="contract.code")
    kind = serializers.CharField(help_text="midterm 中期 / final 末期")
    status = serializers.CharField(help_text="draft 进行中 / finalised 已定稿")
    date = serializers.DateField()
    declaration_pending = serializers.BooleanField(help_text="评估员尚未声明回避：只显示状态")
    total_score = serializers.CharField(allow_null=True, help_text="总得分（定稿后）")
    grade = serializers.CharField(allow_blank=True, help_text="等级（定稿后）")
    parties = PartySerializer(many=True)
    report_url = serializers.CharField(allow_null=True, help_text="PDF 报告下载地址（有权下载时）")


class ArchiveSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="版本（重新开启并再次定稿后加 1）")
    verification_code = serializers.CharField(help_text="印在报告上的验证码")
    sha256 = serializers.CharField(allow_null=True, help_text="PDF/A 文件的 SHA-256；尚未生成时为 null（首次下载时生成）")
    size = serializers.IntegerField(allow_null=True, help_text="文件大小（字节）")
    archived_at = serializers.DateTimeField(help_text="存档（定稿）时间")
    superseded_by_version = serializers.IntegerField(allow_null=True, help_text="被第几版取代；现行版本为 null")
    pdf_url = serializers.CharField(help_text="该版本 PDF/A 的下载地址")


class ReportSerializer(serializers.Serializer):
    evaluation = serializers.CharField(help_text="评估代码")
    contract = serializers.CharField()
    station = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    date = serializers.DateField()
    pdf_url = serializers.CharField(help_text="报告下载地址：已定稿为签署存档的现行版本，进行中为当前草稿")
    archives = ArchiveSerializer(many=True, help_text="存档版本（新到旧）；进行中的评估为空")


class PerformanceReportSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="绩效评价代码")
    title = serializers.CharField(help_text="报告标题")
    year = serializers.IntegerField(help_text="年度")
    department = serializers.CharField(help_text="实施单位（街道办/镇政府）")
    district = serializers.CharField(allow_null=True, help_text="实施单位所在区的代码")
    contract = serializers.CharField(allow_null=True, help_text="服务协议代码；不对应单一协议时为 null")
    status = serializers.CharField(help_text="draft 未发布 / published 已发布")
    published_at = serializers.DateTimeField(allow_null=True, help_text="发布时间；未发布为 null")
    pdf_url = serializers.CharField(help_text="报告下载地址：已发布为签署存档的现行版本，未发布为当前草稿")
    archives = ArchiveSerializer(many=True, help_text="存档版本（新到旧）；从未发布的为空")


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(help_text="序号")
    name = serializers.CharField(help_text="姓名")
    position = serializers.CharField(help_text="head 站长 / deputy 副站长 / area_lead 片区主管 / area_worker 片区社工")
    position_title = serializers.CharField(allow_blank=True)
    certificate = serializers.CharField(help_text="intermediate 中级 / assistant 助理级 / none 非持证")
    area = serializers.IntegerField(source="service_area_id", allow_null=True, help_text="当前片区 id")
    two_years_practice = serializers.BooleanField(help_text="从业2年以上")
    joined_on = serializers.DateField(allow_null=True, help_text="到岗日期")
    left_on = serializers.DateField(allow_null=True, help_text="离岗日期")


class StaffMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="如 2025-04")
    on_post = serializers.CharField(allow_null=True, help_text="人员到位 1 / 0.5 / 0；未填为 null")
    social_insurance = serializers.BooleanField(help_text="社保购买")
    salary_paid = serializers.BooleanField(help_text="工资发放")
    version = serializers.IntegerField()
    editable = serializers.BooleanField()
    lock_reason = serializers.CharField(allow_blank=True)


class StaffQuarterRowSerializer(serializers.Serializer):
    staff = serializers.IntegerField(help_text="社工 id")
    name = serializers.CharField()
    certificate = serializers.CharField()
    area = serializers.IntegerField(allow_null=True)
    effective = serializers.CharField(help_text="考核期内到岗小计")
    months = StaffMonthSerializer(many=True)


class StaffFiguresSerializer(serializers.Serializer):
    months = serializers.IntegerField(help_text="考核期月数（协议开始到本季度末）")
    certified_effective = serializers.CharField(help_text="持证社工实到岗人次")
    required = serializers.CharField(help_text="应到岗人次")
    surplus = serializers.CharField(help_text="超配（负数为缺配）")
    uncertified_effective = serializers.CharField()
    total_effective = serializers.CharField(help_text="社工有效人次总数")
    total_two_years = serializers.CharField(help_text="2年以上社工人次")
    two_years_share = serializers.CharField(allow_null=True, help_text="2年以上社工占比 %，两位小数")
    continuing_staff = serializers.IntegerField(help_text="持续在岗社工数")
    required_staff = serializers.IntegerField(help_text="协议要求在岗社工数")
    retention_rate = serializers.CharField(allow_null=True, help_text="稳岗率 %，两位小数")
    training_hours = serializers.CharField(allow_null=True)
    training_hours_per_worker_month = serializers.CharField(allow_null=True, help_text="社工平均每月个人培训时数")


class StaffQuarterSerializer(serializers.Serializer):
    contract = serializers.CharField()
    quarter = serializers.CharField()
    period = serializers.ListField(child=serializers.CharField(), help_text="考核期的月份")
    rows = StaffQuarterRowSerializer(many=True)
    figures = StaffFiguresSerializer()


class TokenCreateSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="用户名")
    password = serializers.CharField(help_text="密码", style={"input_type": "password"})
    name = serializers.CharField(max_length=60, help_text="令牌名称（用途）")
    days = serializers.IntegerField(min_value=1, max_value=366, default=90, help_text="有效期（天）")
    read_only = serializers.BooleanField(default=True, help_text="只读令牌；读写令牌只发给街道办")


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌（只返回这一次）")
    name = serializers.CharField()
    read_only = serializers.BooleanField()
    expires_at = serializers.DateTimeField()
