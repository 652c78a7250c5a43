"""The home page per role (issue 3 §2)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from evalportal.roles import (
    contracts_editable_by,
    contracts_returnable_by,
    contracts_visible_to,
)
from reports.models import Evaluation
from reports.pdf_selectors import evaluations_reportable_by
from stations.submissions import home_summary


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    if user.role == "street":
        contracts = contracts_editable_by(user)
    elif user.role == "bureau":
        contracts = contracts_returnable_by(user)
    else:
        contracts = contracts_visible_to(user)
    summary = home_summary(contracts, today)
    # Results the user may open and download (an evaluator only after declaring no conflict: 回避).
    results = list(
        evaluations_reportable_by(user)
        .filter(status=Evaluation.Status.FINALISED)
        .select_related("contract__station")
        .order_by("-date", "code")[:6]
    )
    return render(
        request,
        "home.html",
        {"summary": summary, "results": results, "today": today, "can_review": user.role in ("bureau", "admin")
         or user.is_superuser},
    )
