"""Phone interviews on a tablet (820 × 1180) with the scoring page's autosave (issue 14 §3a): answers saved without a
click, kept in the browser while offline and sent when the connection returns, a second tablet's save shown to choose
from. Debian's Chromium, never `playwright install`."""

import pytest
from django.urls import reverse

from surveys.models import Respondent
from tests.browser import SCREENSHOTS
from tests.reports.test_browser import logged_in_context, wait_until

from .test_browser import open_survey

pytestmark = [pytest.mark.browser]


def test_an_interview_entered_offline_arrives_and_a_second_tablet_chooses(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    survey, _ = open_survey()
    respondent = survey.respondents.select_related("contact").order_by("number").first()
    questions = list(survey.questions.all())
    url = live_server.url + reverse("survey_interview", args=[survey.pk, respondent.number])
    context = logged_in_context(browser, live_server, survey.evaluator)
    page = context.new_page()
    page.goto(url)
    unit = page.locator("[data-autosave]")

    # Online: the outcome and a first answer are saved without any click.
    page.locator("input[name=outcome][value=reached]").check()
    page.locator(f"#q{questions[0].pk}-5").check()
    expect(unit.locator(".save-state")).to_have_attribute("data-state", "saved", timeout=10000)
    wait_until(page, lambda: Respondent.objects.get(pk=respondent.pk).answers.count() == 1)
    assert Respondent.objects.get(pk=respondent.pk).outcome == "reached"

    # The connection drops: the rest is kept in this browser, nothing personal in it.
    context.set_offline(True)
    for question in questions[1:]:
        page.locator(f"#q{question.pk}-4").check()
    page.locator("textarea[name=comment]").fill("离线时记录：希望多办长者活动")
    page.wait_for_timeout(2500)  # past the autosave delay: the save was tried and failed
    expect(page.locator("#connection-banner")).to_be_visible()
    expect(page.locator("#unsaved-count")).to_have_text("1")
    expect(unit.locator(".save-state")).to_have_text("未保存")
    kept = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('evalportal:')).map(k => localStorage.getItem(k))"
    )
    assert len(kept) == 1
    assert respondent.contact.name not in kept[0] and respondent.contact.phone not in kept[0]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "survey-interview-offline.png"), full_page=False)
    page.close()

    # Back online: a fresh page re-sends what was kept.
    context.set_offline(False)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#save-summary")).to_be_visible(timeout=15000)
    wait_until(page, lambda: Respondent.objects.get(pk=respondent.pk).completed_at is not None)
    stored = Respondent.objects.get(pk=respondent.pk)
    assert sorted(stored.answers.values_list("value", flat=True)) == [4, 4, 4, 4, 5]
    assert stored.comment == "离线时记录：希望多办长者活动"
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('evalportal:')).length") == 0

    # A second tablet opened the same respondent before the first one's next save: it is told, and chooses.
    other = logged_in_context(browser, live_server, survey.evaluator)
    second = other.new_page()
    second.goto(url)
    page.locator(f"#q{questions[0].pk}-3").check()
    wait_until(page, lambda: Respondent.objects.get(pk=respondent.pk).answers.filter(value=3).exists())
    second.locator("input[name=outcome][value=refused]").check()
    panel = second.locator(".conflict-panel")
    expect(panel).to_be_visible(timeout=10000)
    expect(panel.locator(".conflict-message")).to_contain_text("已在别处保存")
    expect(panel.locator(".conflict-theirs")).to_contain_text("访问结果：已接通")
    assert Respondent.objects.get(pk=respondent.pk).outcome == "reached"
    second.get_by_role("button", name="保留我的").click()
    wait_until(second, lambda: Respondent.objects.get(pk=respondent.pk).outcome == "refused")
    assert not Respondent.objects.get(pk=respondent.pk).answers.exists()

    # The page's 保存 button right after an edit posts from the version the autosave reached: no false conflict.
    second.locator("input[name=outcome][value=reached]").check()
    second.locator(f"#q{questions[1].pk}-2").check()
    second.get_by_role("button", name="保存", exact=True).click()
    expect(second.locator("main")).to_contain_text(f"{respondent.number:03d} 号受访者已保存。")
    stored = Respondent.objects.get(pk=respondent.pk)
    assert stored.outcome == "reached"
    assert list(stored.answers.values_list("question_id", "value")) == [(questions[1].pk, 2)]
    context.close()
    other.close()
