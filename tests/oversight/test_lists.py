"""Find anything (issue 10 §3): filters in the URL, search, sort, pagination, current-year default, role scope."""

from datetime import date
from unittest import mock

from django.test import TestCase
from django.urls import reverse

from evalportal.periods import Quarter
from indicators.services import quarter_submit
from stations.models import Contract
from tests.indicators.factories import build_world


def names(response):
    return [c.station.name for c in response.context["page"].object_list]


@mock.patch("oversight.views.timezone.localdate", return_value=date(2025, 6, 1))
class ContractListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        old = Contract.objects.get(pk=cls.w.contract.pk)
        old.pk, old.code, old.start_date, old.end_date = None, "xi-2022", date(2022, 12, 11), date(2023, 12, 10)
        old.save()

    def get(self, user, **params):
        self.client.force_login(self.w.users[user])
        return self.client.get(reverse("contract_list"), params)

    def test_default_is_the_current_year_and_all_years_can_be_bookmarked(self, _today):
        response = self.get("bureau_lw")
        self.assertEqual(sorted(c.code for c in response.context["page"].object_list), ["fe-2024", "xi-2024"])
        self.assertContains(response, '<option value="2025" selected>2025年</option>', html=True)
        everything = self.get("bureau_lw", year="")
        self.assertEqual(sorted(c.code for c in everything.context["page"].object_list), ["fe-2024", "xi-2022", "xi-2024"])
        self.assertEqual([c.code for c in self.get("bureau_lw", year="2023").context["page"].object_list], ["xi-2022"])

    def test_search_street_district_and_sort(self, _today):
        self.assertEqual(names(self.get("supervision", q="逢源")), ["广州市逢源街社工服务站"])
        self.assertEqual(names(self.get("supervision", q="jt-")), [])  # codes are xi-/fe-/ji-
        self.assertEqual(names(self.get("supervision", q="ji-2024")), ["广州市景泰街社工服务站"])
        baiyun = self.w.other_district.station.street.district
        self.assertEqual(names(self.get("supervision", district=baiyun.pk)), ["广州市景泰街社工服务站"])
        street = self.w.same_district.station.street
        self.assertEqual(names(self.get("supervision", district=street.district_id, street=street.pk)),
                         ["广州市逢源街社工服务站"])
        # the city's street select lists a district's streets only once the district is chosen (it stays short)
        response = self.get("supervision")
        self.assertEqual(list(response.context["filter"].form.fields["street"].queryset), [])
        self.assertContains(response, "先选择区，再选街道。")
        response = self.get("supervision", district=street.district_id)
        self.assertEqual(sorted(s.name for s in response.context["filter"].form.fields["street"].queryset),
                         ["西村街道", "逢源街道"])
        response = self.get("bureau_lw")  # one district: its streets at once
        self.assertEqual(len(response.context["filter"].form.fields["street"].queryset), 2)
        codes = [c.code for c in self.get("supervision", sort="code").context["page"].object_list]
        self.assertEqual(codes, sorted(codes))

    def test_filters_cannot_reach_outside_the_role(self, _today):
        baiyun = self.w.other_district.station.street.district
        response = self.get("bureau_lw", district=baiyun.pk)
        self.assertIn("district", response.context["filter"].form.errors)  # not a choice for 荔湾区
        self.assertNotContains(response, "景泰")
        self.assertEqual([str(d) for d in response.context["filter"].form.fields["district"].queryset], ["荔湾区"])

    def test_pagination_keeps_the_filters(self, _today):
        for i in range(55):
            c = Contract.objects.get(pk=self.w.same_district.pk)
            c.pk, c.code = None, f"fe-copy-{i:02d}"
            c.save()
        response = self.get("bureau_lw", q="逢源", sort="code")
        self.assertEqual(len(response.context["page"].object_list), 50)
        self.assertContains(response, 'href="?q=%E9%80%A2%E6%BA%90&amp;sort=code&amp;page=2"', html=False)
        self.assertEqual(response.context["querystring"], "q=%E9%80%A2%E6%BA%90&sort=code")


@mock.patch("oversight.views.timezone.localdate", return_value=date(2025, 6, 1))
class SubmissionListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        for contract, user in ((cls.w.contract, "street_xc"), (cls.w.same_district, "street_fy"),
                               (cls.w.other_district, "street_jt")):
            quarter_submit(contract=contract, quarter=Quarter(2025, 1), user=cls.w.users[user])
        quarter_submit(contract=cls.w.contract, quarter=Quarter(2024, 4), user=cls.w.users["street_xc"])

    def get(self, user, **params):
        self.client.force_login(self.w.users[user])
        return self.client.get(reverse("submission_list"), params)

    def rows(self, response):
        return [(s.contract.code, s.slug) for s in response.context["page"].object_list]

    def test_bureau_queue_defaults_to_submitted_quarters_of_the_year(self, _today):
        self.assertEqual(self.rows(self.get("bureau_lw")), [("xi-2024", "2025-Q1"), ("fe-2024", "2025-Q1")])
        self.assertEqual(sorted(self.rows(self.get("bureau_lw", year=""))),
                         [("fe-2024", "2025-Q1"), ("xi-2024", "2024-Q4"), ("xi-2024", "2025-Q1")])
        self.assertEqual(self.rows(self.get("bureau_lw", year="", quarter="4")), [("xi-2024", "2024-Q4")])
        self.assertEqual(self.rows(self.get("bureau_lw", q="逢源")), [("fe-2024", "2025-Q1")])

    def test_other_roles_see_only_their_scope_and_cannot_tick(self, _today):
        street = self.get("street_xc", year="")
        self.assertEqual(sorted(self.rows(street)), [("xi-2024", "2024-Q4"), ("xi-2024", "2025-Q1")])
        self.assertNotContains(street, 'name="sub"')
        self.assertEqual(len(self.rows(self.get("supervision"))), 3)
        self.assertEqual(self.rows(self.get("bureau_by", status="submitted")), [("ji-2024", "2025-Q1")])


@mock.patch("reports.views.timezone.localdate", return_value=date(2025, 6, 1))
class EvaluationListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        from tests.oversight.test_todo import finalise_mid, make_draft_evaluation

        cls.w = build_world(n_areas=1)
        finalise_mid(cls.w)
        cls.final = make_draft_evaluation(cls.w, on=date(2025, 5, 30))

    def codes(self, user, **params):
        self.client.force_login(self.w.users[user])
        response = self.client.get(reverse("evaluation_overview"), params)
        self.assertEqual(response.status_code, 200)
        return [e.code for e in response.context["page"].object_list]

    def test_state_grade_year_and_overdue_filters(self, _today):
        self.assertEqual(self.codes("bureau_lw"), ["xi-2024-final", "xc-2024-mid"])  # 2025, newest first
        self.assertEqual(self.codes("bureau_lw", status="finalised"), ["xc-2024-mid"])
        self.assertEqual(self.codes("bureau_lw", grade="good"), ["xc-2024-mid"])
        self.assertEqual(self.codes("bureau_lw", grade="excellent"), [])
        self.assertEqual(self.codes("bureau_lw", overdue="true"), ["xi-2024-final"])  # 05-30 passed, not finalised
        self.assertEqual(self.codes("bureau_lw", year="2024"), [])
        self.assertEqual(self.codes("bureau_lw", sort="date"), ["xc-2024-mid", "xi-2024-final"])
        self.assertEqual(self.codes("bureau_by"), [])
        self.assertEqual(self.codes("street_fy", year=""), [])


@mock.patch("oversight.views.timezone.localdate", return_value=date(2025, 6, 1))
class BoundedChooserTests(TestCase):
    """The street (and the trend chart's station) chooser stays bounded (issue 10 §6): a select while the choices fit
    in CHOOSER_OPTIONS, else a text field taking the name, the code or a unique part of the name; the id works too."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def get(self, user, name="contract_list", **params):
        self.client.force_login(self.w.users[user])
        return self.client.get(reverse(name), params)

    def test_a_select_while_the_streets_are_few(self, _today):
        response = self.get("bureau_lw")
        self.assertContains(response, '<select name="street" class="form-select form-select-sm" id="id_street">')
        self.assertContains(response, '<option value="" selected>全部街道</option>', html=True)
        street = self.w.same_district.station.street
        response = self.get("bureau_lw", street=street.pk)
        self.assertContains(response, f'<option value="{street.pk}" selected>逢源街道</option>', html=True)
        self.assertEqual(names(response), ["广州市逢源街社工服务站"])

    def test_a_text_field_beyond_the_bound(self, _today):
        street = self.w.same_district.station.street
        with mock.patch("evalportal.listing.CHOOSER_OPTIONS", 1):
            response = self.get("bureau_lw")
            self.assertContains(response, '<input type="text" name="street" value="" class="form-control '
                                          'form-control-sm" id="id_street" placeholder="输入街道名称或代码">', html=True)
            for value in ("逢源街道", street.code, "逢源", str(street.pk)):
                with self.subTest(value=value):
                    response = self.get("bureau_lw", street=value)
                    self.assertEqual(names(response), ["广州市逢源街社工服务站"])
                    self.assertContains(response, 'name="street" value="逢源街道"')
            response = self.get("bureau_lw", street="街道")  # both streets: not one
            self.assertIn("street", response.context["filter"].form.errors)
            self.assertContains(response, "对应多个街道")
            response = self.get("bureau_lw", street="景泰街道")  # another district's street: not a choice
            self.assertIn("street", response.context["filter"].form.errors)
            self.assertNotContains(response, "景泰街社工服务站")
            # the submissions list and the evaluation overview share the filter
            self.assertContains(self.get("bureau_lw", "submission_list", street="逢源"), 'value="逢源街道"')
            self.assertContains(self.get("bureau_lw", "evaluation_overview", street="逢源"), 'value="逢源街道"')

    def test_the_trend_charts_station_chooser(self, _today):
        station = self.w.same_district.station
        response = self.get("bureau_lw", "chart_trend")
        self.assertContains(response, f'<option value="{station.pk}">{station.name}</option>', html=True)
        with mock.patch("evalportal.listing.CHOOSER_OPTIONS", 1):
            response = self.get("bureau_lw", "chart_trend")
            self.assertContains(response, 'placeholder="输入服务站名称或代码"')
            for value in (station.name, station.code, str(station.pk)):
                with self.subTest(value=value):
                    response = self.get("bureau_lw", "chart_trend", station=value)
                    self.assertEqual(response.context["scope"], station.name)
                    self.assertContains(response, f'name="station" value="{station.name}"')
            self.assertEqual(self.get("bureau_lw", "chart_trend", station="景泰").status_code, 404)  # not 荔湾


class UrlMakerTests(TestCase):
    def test_the_same_urls_as_reverse(self):
        from evalportal.listing import url_maker

        entry = url_maker("quarter_entry", 2)
        for args in (("xi-2024", "2025-Q1"), ("a__1__b", "2025-Q1"), ("x_y", "2025-Q4")):
            self.assertEqual(entry(*args), reverse("quarter_entry", args=args))
        self.assertEqual(url_maker("evaluation_detail")("xi-2025-mid"), reverse("evaluation_detail", args=["xi-2025-mid"]))
