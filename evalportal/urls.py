from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "社工服务站绩效评估平台 管理后台"
admin.site.site_title = "evalportal 管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("reports/", include("reports.pdf_urls")),
    path("evaluations/", include("reports.urls")),
]
