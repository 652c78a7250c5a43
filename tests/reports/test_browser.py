"""On-site scoring in a real browser on a tablet viewport (820×1180): declare, score, lose the connection, keep
scoring, come back online — every score arrives in the database. Debian's Chromium, never `playwright install`."""


import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reports.models import EvaluationAssignment, EvaluationItem, Finding
from tests.browser import SCREENSHOTS

from .factories import make_world

pytestmark = [pytest.mark.browser]


def wait_until(page, condition, timeout_ms: int = 15000) -> None:
    """Let the page run until `condition()` holds (a route handler filled a list, say); fail after `timeout_ms`.
    A fixed sleep instead would race the autosave delay on a loaded machine."""
    waited = 0
    while not _holds(condition):
        assert waited < timeout_ms, f"条件在 {timeout_ms} ms 内未满足"
        page.wait_for_timeout(100)
        waited += 100


def _holds(condition) -> bool:
    """The condition, or False while the live server's thread holds a table lock: the test database on SQLite is an
    in-memory database in shared-cache mode, where a read during another connection's write transaction fails at once
    with "database table is locked" (SQLITE_LOCKED waits for no busy timeout). Production databases are files (WAL)."""
    from django.db import OperationalError

    try:
        return bool(condition())
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False


def logged_in_context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True, locale="zh-CN")
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    return context


def item_ids(evaluation):
    return {
        i.code: i.id for i in EvaluationItem.objects.filter(section__evaluation=evaluation)
    }


def test_evaluator_declares_scores_offline_and_every_score_arrives(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = make_world("pw", declared=False)
    ev = world.evaluation
    ids = item_ids(ev)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = logged_in_context(browser, live_server, world.evaluator)
    page = context.new_page()

    # 回避 first: the declaration page shows the title and date, nothing of the station's data.
    page.goto(live_server.url + reverse("evaluation_detail", args=[ev.code]))
    expect(page.locator("h1")).to_have_text("回避声明")
    assert "人员配备与到岗" not in page.content()
    page.get_by_label("本人与该社工服务站、承接机构及其工作人员不存在利益冲突").check()
    page.get_by_label("本人确认以上声明真实。").check()
    page.get_by_role("button", name="提交声明").tap()
    page.wait_for_url("**/scoring/")
    assert EvaluationAssignment.objects.get(evaluation=ev, user=world.evaluator).declaration == "no_conflict"

    def item(code):
        return page.locator(f"#item-{ids[code]}")

    # Online: a score is saved without any click.
    item("1.1").locator("input[name=score]").fill("9")
    expect(item("1.1").locator(".save-state")).to_have_attribute("data-state", "saved", timeout=10000)
    assert EvaluationItem.objects.get(pk=ids["1.1"]).score == 9

    # A score above the maximum is refused on the spot with the item's name, and kept until corrected.
    item("1.3").locator("input[name=score]").fill("11")
    expect(item("1.3").locator(".item-error")).to_have_text("“档案与台账”的得分不能超过 10 分。")

    # The connection drops mid-entry; the evaluator keeps scoring.
    context.set_offline(True)
    item("1.2").locator("input[name=score]").fill("8.5")
    item("1.2").locator("textarea[name=note]").fill("离线时填写：制度齐全，落实记录缺两个月")
    item("1.3").locator("input[name=score]").fill("7")
    area_slot = page.locator(f"[data-key='finding:third_party:areas:positive:{world.areas[0].id}']")
    area_slot.locator("textarea").fill("片区1 建档及时，探访记录完整")
    page.wait_for_timeout(2500)  # past the autosave delay: the saves were tried and failed
    expect(page.locator("#connection-banner")).to_be_visible()
    expect(page.locator("#unsaved-counter")).to_be_visible()
    expect(page.locator("#unsaved-count")).to_have_text("3")
    for code in ["1.2", "1.3"]:
        expect(item(code).locator(".save-state")).to_have_text("未保存")
    expect(area_slot.locator(".save-state")).to_have_text("未保存")
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('evalportal:')).length")
    assert stored == 3
    page.screenshot(path=str(SCREENSHOTS / "scoring-offline.png"), full_page=False)
    assert EvaluationItem.objects.get(pk=ids["1.2"]).score is None

    # One more while offline, then the tab is closed: only the browser's storage has it.
    item("2.1").locator("input[name=score]").fill("9.5")
    page.wait_for_timeout(300)
    page.close()

    # Back online; a fresh page re-sends what was kept, and the online event flushes the rest.
    context.set_offline(False)
    page = context.new_page()
    page.goto(live_server.url + reverse("evaluation_scoring", args=[ev.code]))
    expect(page.locator("#save-summary")).to_be_visible(timeout=15000)
    expect(page.locator("#unsaved-counter")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "scoring-online.png"), full_page=False)

    scores = {i.code: i.score for i in EvaluationItem.objects.filter(section__evaluation=ev)}
    assert {code: str(scores[code]) for code in ["1.1", "1.2", "1.3", "2.1"]} == {
        "1.1": "9.0", "1.2": "8.5", "1.3": "7.0", "2.1": "9.5"
    }
    assert EvaluationItem.objects.get(pk=ids["1.2"]).note == "离线时填写：制度齐全，落实记录缺两个月"
    finding = Finding.objects.get(evaluation=ev, party="third_party", section="areas", kind="positive")
    assert (finding.text, list(finding.areas.all())) == ("片区1 建档及时，探访记录完整", [world.areas[0]])
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('evalportal:')).length") == 0
    context.close()


def test_online_event_flushes_without_reload(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = make_world("pw2")
    ev = world.evaluation
    ids = item_ids(ev)
    context = logged_in_context(browser, live_server, world.evaluator)
    page = context.new_page()
    page.goto(live_server.url + reverse("evaluation_scoring", args=[ev.code]))
    context.set_offline(True)
    page.locator(f"#item-{ids['3.1']} input[name=score]").fill("13")
    page.locator(f"#item-{ids['3.2']} input[name=score]").fill("12.5")
    expect(page.locator("#unsaved-count")).to_have_text("2")
    page.wait_for_timeout(2000)
    context.set_offline(False)
    expect(page.locator("#unsaved-counter")).to_be_hidden(timeout=15000)
    assert [str(EvaluationItem.objects.get(pk=ids[c]).score) for c in ["3.1", "3.2"]] == ["13.0", "12.5"]
    context.close()


def test_two_evaluators_on_one_item_the_second_chooses_and_nothing_is_lost(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    from reports import services

    world = make_world("pw3")
    ev = world.evaluation
    services.evaluation_declare(evaluation=ev, user=world.evaluator2, conflict=False)
    ids = item_ids(ev)
    url = live_server.url + reverse("evaluation_scoring", args=[ev.code])
    first = logged_in_context(browser, live_server, world.evaluator)
    second = logged_in_context(browser, live_server, world.evaluator2)
    page1, page2 = first.new_page(), second.new_page()
    page1.goto(url)
    page2.goto(url)  # both opened the item at version 1

    page1.locator(f"#item-{ids['2.2']} input[name=score]").fill("8")
    expect(page1.locator(f"#item-{ids['2.2']} .save-state")).to_have_attribute("data-state", "saved", timeout=10000)
    item2 = page2.locator(f"#item-{ids['2.2']}")
    item2.locator("input[name=score]").fill("6.5")
    expect(item2.locator(".conflict-panel")).to_be_visible(timeout=10000)
    expect(item2.locator(".conflict-theirs")).to_contain_text("对方的得分：8.0")
    expect(item2.locator("input[name=score]")).to_have_value("6.5")  # the second evaluator's input is still there
    expect(page2.locator("#unsaved-count")).to_have_text("1")
    assert str(EvaluationItem.objects.get(pk=ids["2.2"]).score) == "8.0"

    item2.get_by_role("button", name="保留我的").tap()
    expect(page2.locator("#unsaved-counter")).to_be_hidden(timeout=10000)
    assert str(EvaluationItem.objects.get(pk=ids["2.2"]).score) == "6.5"

    # Evidence: a PDF picked on the tablet is uploaded and listed, served only through the permission-checked view.
    pdf = {"name": "现场记录.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    page1.locator(f"#item-{ids['2.2']} .evidence-input").set_input_files(pdf)
    link = page1.locator(f"#item-{ids['2.2']} .evidence-list a")
    expect(link).to_have_text("现场记录.pdf", timeout=10000)
    assert link.get_attribute("href").startswith(f"/evaluations/{ev.code}/attachments/")
    first.close()
    second.close()


def scoring_page(browser, live_server, world):
    context = logged_in_context(browser, live_server, world.evaluator)
    page = context.new_page()
    return context, page, live_server.url + reverse("evaluation_scoring", args=[world.evaluation.code])


def test_a_save_whose_answer_was_lost_is_not_reported_as_a_conflict(browser, live_server, transactional_db):
    """Weak connection: the server stores the score but the answer never reaches the tablet. The retry meets its own
    save (version moved on, same values): no 冲突 panel, the item is 已保存, localStorage is emptied."""
    from playwright.sync_api import expect

    world = make_world("pw4")
    ids = item_ids(world.evaluation)
    context, page, url = scoring_page(browser, live_server, world)
    lost = []

    def lose_first_answer(route):
        if lost:
            route.continue_()
            return
        lost.append(route.request.post_data_json)
        route.fetch()  # the server saves …
        route.abort("connectionreset")  # … and the answer is lost on the way back

    page.route("**/items/*/autosave/", lose_first_answer)
    page.goto(url)
    item = page.locator(f"#item-{ids['1.4']}")
    item.locator("input[name=score]").fill("7")
    item.locator("textarea[name=note]").fill("账目清楚")
    expect(item.locator(".save-state")).to_have_attribute("data-state", "saved", timeout=15000)
    expect(item.locator(".save-state")).to_have_text("已保存")
    expect(item.locator(".conflict-panel")).to_be_hidden()
    expect(page.locator("#unsaved-counter")).to_be_hidden()
    assert len(lost) == 1 and lost[0]["version"] == 1 and lost[0]["score"] == "7"
    stored = EvaluationItem.objects.get(pk=ids["1.4"])
    assert (str(stored.score), stored.note) == ("7.0", "账目清楚")
    events = world.evaluation.events.filter(item=stored).order_by("id").values_list("field", "old_value", "new_value")
    assert sorted(events) == [("note", "", "账目清楚"), ("score", "", "7.0")]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('evalportal:')).length") == 0

    # The same after a reload in the middle of a save: the kept "7" is the stored 7.0, nothing to send or resolve.
    key = f"evalportal:{world.evaluator.pk}:{world.evaluation.code}:item:{ids['1.4']}"
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, '{"fields": {"score": "7"}, "base": 1, "at": 0}'])
    page.reload()
    expect(item.locator(".save-state")).to_have_text("已保存")
    page.wait_for_timeout(1500)
    expect(item.locator(".conflict-panel")).to_be_hidden()
    assert page.evaluate("(k) => localStorage.getItem(k)", key) is None
    context.close()


def test_a_refusal_of_an_older_value_does_not_block_the_corrected_one(browser, live_server, transactional_db):
    """The server refuses a note of 5001 字 while the evaluator has already shortened it: the late 400 must not stick
    to the new text (shown as an error, never sent) — the corrected note is saved."""
    from playwright.sync_api import expect

    world = make_world("pw5")
    ids = item_ids(world.evaluation)
    context, page, url = scoring_page(browser, live_server, world)
    held = []

    def hold_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/items/*/autosave/", hold_first)
    page.goto(url)
    item = page.locator(f"#item-{ids['2.3']}")
    note = item.locator("textarea[name=note]")
    note.fill("长" * 5001)
    wait_until(page, lambda: len(held) == 1)  # past the autosave delay: the long note is on its way
    note.fill("小组记录完整")
    held[0].continue_()  # the refusal of the long note arrives after the correction
    expect(item.locator(".save-state")).to_have_attribute("data-state", "saved", timeout=15000)
    expect(item.locator(".save-state")).to_have_text("未评分")  # saved; only the score is still to be given
    expect(item.locator(".item-error")).to_be_hidden()
    assert EvaluationItem.objects.get(pk=ids["2.3"]).note == "小组记录完整"
    context.close()


def test_a_hung_request_does_not_hold_back_every_other_save(browser, live_server, transactional_db):
    """Saves go one at a time; a request that never gets an answer (weak Wi-Fi) is given up after the timeout and
    retried, so the items typed after it are still saved."""
    from playwright.sync_api import expect

    world = make_world("pw6")
    ids = item_ids(world.evaluation)
    context, page, url = scoring_page(browser, live_server, world)
    context.add_init_script("window.EVALPORTAL_AUTOSAVE_TIMEOUT_MS = 1500;")
    held = []

    def hang_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)  # never answered

    page.route("**/items/*/autosave/", hang_first)
    page.goto(url)
    page.locator(f"#item-{ids['2.4']} input[name=score]").fill("8")
    wait_until(page, lambda: len(held) == 1)
    page.locator(f"#item-{ids['2.5']} input[name=score]").fill("9.5")
    expect(page.locator("#unsaved-counter")).to_be_hidden(timeout=20000)
    assert [str(EvaluationItem.objects.get(pk=ids[c]).score) for c in ["2.4", "2.5"]] == ["8.0", "9.5"]
    context.close()


def test_two_tabs_never_overwrite_or_clear_each_others_unsent_text(browser, live_server, transactional_db):
    """The same evaluator in two tabs of one browser (one localStorage). Tab B's note cannot reach the server; tab A
    saves the same item meanwhile. B's note must stay in the browser's storage, and a page opened after B is closed
    picks it up and, once the evaluator chooses, saves it."""
    from playwright.sync_api import expect

    world = make_world("pw7")
    ids = item_ids(world.evaluation)
    context, page_a, url = scoring_page(browser, live_server, world)
    page_b = context.new_page()
    page_b.route("**/items/*/autosave/", lambda route: route.abort("internetdisconnected"))
    page_a.goto(url)
    page_b.goto(url)
    item_a, item_b = page_a.locator(f"#item-{ids['1.1']}"), page_b.locator(f"#item-{ids['1.1']}")

    item_b.locator("textarea[name=note]").fill("乙页：到岗记录待核")
    expect(item_b.locator(".save-state")).to_have_text("未保存")
    page_b.wait_for_timeout(1500)  # B has tried and failed
    item_a.locator("input[name=score]").fill("8")
    item_a.locator("textarea[name=note]").fill("甲页说明")
    expect(item_a.locator(".save-state")).to_have_attribute("data-state", "saved", timeout=10000)
    kept = page_a.evaluate("Object.keys(localStorage).filter(k => k.startsWith('evalportal:'))"
                           ".map(k => localStorage.getItem(k))")
    assert len(kept) == 1 and "乙页：到岗记录待核" in kept[0]

    page_b.close()  # B never got through
    page_c = context.new_page()
    page_c.goto(url)
    item_c = page_c.locator(f"#item-{ids['1.1']}")
    expect(item_c.locator("textarea[name=note]")).to_have_value("乙页：到岗记录待核")
    expect(item_c.locator(".conflict-panel")).to_be_visible(timeout=10000)  # A saved the item since B started
    item_c.get_by_role("button", name="保留我的").click()
    expect(page_c.locator("#unsaved-counter")).to_be_hidden(timeout=10000)
    stored = EvaluationItem.objects.get(pk=ids["1.1"])
    assert (str(stored.score), stored.note) == ("8.0", "乙页：到岗记录待核")
    context.close()


def test_after_the_session_expires_the_kept_text_is_sent_once_logged_in_again(browser, live_server, transactional_db):
    """Session timeout (401) while scoring: the page says so and keeps the score and the finding; after logging in
    again (in another tab: a new session cookie) the retries send them without any click."""
    from playwright.sync_api import expect

    world = make_world("pw8")
    ids = item_ids(world.evaluation)
    context, page, url = scoring_page(browser, live_server, world)
    page.goto(url)
    context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # the 30-minute idle timeout
    page.locator(f"#item-{ids['3.1']} input[name=score]").fill("14")
    slot = page.locator("[data-key^='finding:third_party:management:concern:']")
    slot.locator("textarea").fill("督导记录需按月归档")
    expect(page.locator("#auth-banner")).to_contain_text("登录已过期", timeout=10000)
    expect(page.locator("#unsaved-count")).to_have_text("2")
    assert EvaluationItem.objects.get(pk=ids["3.1"]).score is None

    client = Client()
    client.force_login(world.evaluator)  # logged in again
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    expect(page.locator("#unsaved-counter")).to_be_hidden(timeout=20000)
    expect(page.locator("#auth-banner")).to_be_hidden()
    assert str(EvaluationItem.objects.get(pk=ids["3.1"]).score) == "14.0"
    finding = Finding.objects.get(evaluation=world.evaluation, party="third_party", section="management", kind="concern")
    assert finding.text == "督导记录需按月归档"
    context.close()


def test_a_read_only_page_shows_text_still_kept_in_the_browser(browser, live_server, transactional_db):
    """A colleague submitted the third party while this tablet still held an unsent score: the page is read-only now,
    but it says what is kept in the browser (and keeps it for a reopening) instead of hiding it."""
    from playwright.sync_api import expect

    from reports import services

    from .factories import SCORES_102_5, score_all_items

    world = make_world("pw9")
    ev = world.evaluation
    ids = item_ids(ev)
    context, page, url = scoring_page(browser, live_server, world)
    page.goto(url)
    context.set_offline(True)
    page.locator(f"#item-{ids['2.2']} input[name=score]").fill("6")
    page.wait_for_timeout(1500)
    score_all_items(world, SCORES_102_5)  # meanwhile the colleague scores everything and submits
    services.party_score_submit(evaluation=ev, party="third_party", user=world.evaluator)
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(url)
    expect(page.locator(f"#item-{ids['2.2']} input[name=score]")).to_be_disabled()
    expect(page.locator(f"#item-{ids['2.2']} input[name=score]")).to_have_value("8.0")
    expect(page.locator("#kept-banner")).to_contain_text("本机还有 1 项未上传的内容")
    expect(page.locator(f"#item-{ids['2.2']} .item-error")).to_have_text("本机保存了未上传的内容——得分：6")
    expect(page.locator(f"#item-{ids['2.2']} .save-state")).to_have_text("本机未上传")
    expect(page.locator(f"#item-{ids['2.1']} .save-state")).to_have_text("已保存")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(f"#item-{ids['2.2']}").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "scoring-kept-read-only.png"))
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('evalportal:')).length") == 1
    context.close()
