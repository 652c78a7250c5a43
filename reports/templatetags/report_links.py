"""Report links on other apps' pages: `{% load report_links %}{% contract_reports contract %}` on the contract page.

The tag reads through reports.pdf_selectors (the one download rule) in two queries, whatever the number of reports,
so the contract page's view stays untouched.
"""

from __future__ import annotations

from django import template

from ..pdf_selectors import contract_reports_for

register = template.Library()


@register.inclusion_tag("reports/partials/_contract_reports.html", takes_context=True)
def contract_reports(context, contract) -> dict:
    user = context["request"].user
    evaluations, performance = contract_reports_for(user, contract)
    return {
        "contract": contract,
        "evaluations": evaluations,
        "performance_list": performance,
        "show_tranches": user.is_authenticated and user.role != "evaluator",
    }
