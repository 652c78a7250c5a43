"""Shapes of the API's JSON (issue 12). Decimals travel as strings ("783.5"), rates as strings with two decimals
("76.86") or null where the report prints "/"; months as "YYYY-MM"."""

from __future__ import annotations

from rest_framework import serializers


class DistrictSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="区代码")
    name = serializers.CharField(help_text="区名称")


class StationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="站点代码")
    name = serializers.CharField(help_text="站点名称")
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
    kind = serializers.CharField()
    status = serializers.CharField()
    date = serializers.DateField()
    total_score = serializers.CharField(allow_null=True, help_text="定稿后才有")
    grade = serializers.CharField(allow_blank=True)
    parties = PartySerializer(many=True)
    report_url = serializers.CharField(allow_null=True, help_text="PDF 报告下载地址（有权下载时）")


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
