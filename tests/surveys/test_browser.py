"""The questionnaire behind a one-time link on a 360 × 740 phone (issue 14 §3b): no login, no personal data,
large touch targets, readable without zooming, submitted once."""

import pytest

from demo.loader import demo_load
from reports.models import Evaluation
from reports.services import evaluation_declare
from stations.models import User
from surveys import services
from surveys.models import Contact, Respondent
from tests.browser import SCREENSHOTS
from tests.surveys.factories import default_questionnaire

pytestmark = [pytest.mark.browser]


def open_survey():
    demo_load()
    evaluator = User.objects.get(username="evaluator_gzswa")
    evaluation = Evaluation.objects.get(code="xicun-2024-final")
    evaluation_declare(evaluation=evaluation, user=evaluator, conflict=False)
    survey = services.survey_create(
        user=evaluator, template=default_questionnaire(), title="", evaluation=evaluation,
        groups=[services.GroupInput("服务对象", 2, True)],
    )
    group = survey.groups.get()
    for i in range(2):
        Contact.objects.create(group=group, row=i + 2, name=f"测试对象{i}", phone=f"1380000{i:04d}", area="片区一")
    services.survey_draw_sample(survey=survey, user=evaluator, seed="phone")
    return survey, services.links_generate(survey=survey, user=evaluator)


def test_a_respondent_answers_on_a_360_px_phone(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    survey, pairs = open_survey()
    respondent, token = pairs[0]
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/q/{token}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("服务满意度问卷")
    body = page.locator("body").inner_text()
    assert "测试对象" not in body and "138" not in body
    # nothing wider than the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    options = page.locator("label.option")
    assert options.count() == 25
    for i in range(options.count()):
        box = options.nth(i).bounding_box()
        assert box["height"] >= 48, f"选项 {i} 高 {box['height']} px"
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('legend')).fontSize)")
    assert font >= 16
    # submitting with a question left open is refused by the browser before anything is sent
    page.get_by_role("button", name="提交问卷").click()
    assert Respondent.objects.get(pk=respondent.pk).completed_at is None
    for question in survey.questions.all():
        page.locator(f"input[name='q{question.pk}'][value='4']").check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "survey-answer-360.png"), full_page=True)
    page.get_by_role("button", name="提交问卷").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("提交成功")
    assert Respondent.objects.get(pk=respondent.pk).answers.count() == 5
    page.goto(f"{live_server.url}/q/{token}/")
    expect(page.locator("main")).to_contain_text("每个链接只能使用一次")
    context.close()
