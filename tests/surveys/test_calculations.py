"""Survey rules (issue 14): seed 002's rates and points from crafted answers, the stratified sample, masking."""

from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase

from surveys.calculations import (
    allocate,
    draw_sample,
    format_rate,
    mask_phone,
    satisfaction_points,
    satisfaction_rate,
)


def five(values: dict[int, int]) -> list[tuple[int, str]]:
    """{score: how many answers} on the five-point scale."""
    return [(score, "five") for score, count in values.items() for _ in range(count)]


class SeedTwoRateTests(SimpleTestCase):
    """Seed 002 四（二）: 服务对象 89.78%, 居委会代表 100%, 合作方代表 90%; 8.98 of 10 (8.978 kept)."""

    def test_service_users_rate_is_8978_of_ten_thousand(self):
        rate = satisfaction_rate(five({5: 22, 4: 23}))  # 9 people × 5 questions: 202 of 225
        self.assertEqual(rate, Fraction(202, 225))
        self.assertEqual(format_rate(rate), "89.78%")

    def test_residents_committee_rate_is_100_percent(self):
        self.assertEqual(format_rate(satisfaction_rate(five({5: 25}))), "100.00%")

    def test_partners_rate_is_90_percent(self):
        self.assertEqual(format_rate(satisfaction_rate(five({5: 5, 4: 5}))), "90.00%")

    def test_points_are_8978_kept_and_898_printed(self):
        points = satisfaction_points(Fraction(202, 225), Decimal("10"))
        self.assertEqual(points, Decimal("8.978"))
        self.assertEqual(f"{points.quantize(Decimal('0.01'))}", "8.98")

    def test_three_level_scale_counts_basic_satisfaction_as_half(self):
        rate = satisfaction_rate([(2, "three"), (1, "three"), (0, "three"), (2, "three")])
        self.assertEqual(rate, Fraction(5, 8))

    def test_no_answers_give_no_rate_and_no_points(self):
        self.assertIsNone(satisfaction_rate([]))
        self.assertEqual(format_rate(None), "/")
        self.assertIsNone(satisfaction_points(None, Decimal("10")))

    def test_points_round_half_up_once_from_the_exact_product(self):
        for got, most, maximum in [(1, 8, Decimal("10")), (7, 9, Decimal("15")), (202, 225, Decimal("8"))]:
            with self.subTest(got=got, most=most):
                exact = Fraction(got, most) * Fraction(maximum)
                expected = Decimal(int(exact * 1000 + Fraction(1, 2))) / 1000
                self.assertEqual(satisfaction_points(Fraction(got, most), maximum), expected)


class SampleTests(SimpleTestCase):
    ROSTER = {"片区一": list(range(1, 41)), "片区二": list(range(41, 71)), "片区三": list(range(71, 81))}

    def test_the_same_seed_draws_the_same_sample(self):
        first = draw_sample("seed-1", "服务对象", self.ROSTER, 20)
        self.assertEqual(first, draw_sample("seed-1", "服务对象", self.ROSTER, 20))
        self.assertNotEqual(first, draw_sample("seed-2", "服务对象", self.ROSTER, 20))

    def test_sample_is_spread_over_areas_in_proportion(self):
        self.assertEqual(allocate(20, {"片区一": 40, "片区二": 30, "片区三": 10}), {"片区一": 10, "片区二": 8, "片区三": 2})
        chosen = draw_sample("s", "服务对象", self.ROSTER, 20)
        self.assertEqual(len(chosen), 20)
        self.assertEqual(len(set(chosen)), 20)
        self.assertEqual(sum(1 for c in chosen if c <= 40), 10)

    def test_largest_remainder_fills_the_size_exactly(self):
        self.assertEqual(allocate(3, {"a": 1, "b": 1, "c": 1, "d": 1}), {"a": 1, "b": 1, "c": 1, "d": 0})
        self.assertEqual(sum(allocate(7, {"a": 5, "b": 3, "c": 2}).values()), 7)

    def test_a_size_larger_than_the_roster_takes_everyone(self):
        self.assertEqual(sorted(draw_sample("s", "g", {"": [3, 1, 2]}, 10)), [1, 2, 3])


class MaskTests(SimpleTestCase):
    def test_mobile_numbers_show_the_first_three_and_last_four_digits(self):
        self.assertEqual(mask_phone("13812341234"), "138****1234")
        self.assertEqual(mask_phone("020-81234567"), "020****4567")
