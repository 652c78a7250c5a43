"""Two evaluators change the same rubric item at the same moment (PostgreSQL: real row locks, two connections).

A third connection holds the item's row lock while both requests start, so both are certainly in flight together;
when it lets go, exactly one save wins and the other gets 409 with the stored value — nothing is silently lost, and
the loser can still keep their value by re-sending it on the new version.
"""

import json
import threading
import time
import unittest
from decimal import Decimal

from django.db import connection, connections, transaction
from django.test import Client, TransactionTestCase
from django.urls import reverse

from reports.models import EvaluationEvent, EvaluationItem

from .factories import make_world


@unittest.skipUnless(connection.vendor == "postgresql", "select_for_update 在 SQLite 上不加锁：并发测试只在 PostgreSQL 上运行。")
class SimultaneousItemEditTests(TransactionTestCase):
    def setUp(self):
        from reports import services

        self.world = make_world("cc")
        services.evaluation_declare(evaluation=self.world.evaluation, user=self.world.evaluator2, conflict=False)
        self.item = EvaluationItem.objects.get(section__evaluation=self.world.evaluation, code="1.1")
        self.url = reverse("evaluation_item_autosave", args=[self.world.evaluation.code, self.item.id])

    def _post(self, user, score, results, started):
        try:
            client = Client()
            client.force_login(user)
            started.release()
            response = client.post(self.url, json.dumps({"version": 1, "score": score}),
                                   content_type="application/json")
            results[user.username] = (response.status_code, response.json())
        finally:
            connections.close_all()

    def test_the_second_of_two_simultaneous_saves_gets_a_conflict_and_nothing_is_lost(self):
        results: dict = {}
        started = threading.Semaphore(0)
        threads = [
            threading.Thread(target=self._post, args=(self.world.evaluator, "8.0", results, started)),
            threading.Thread(target=self._post, args=(self.world.evaluator2, "6.5", results, started)),
        ]
        with transaction.atomic():
            # The blocker: both requests will queue on this row lock.
            EvaluationItem.objects.select_for_update().get(pk=self.item.pk)
            for t in threads:
                t.start()
            started.acquire()
            started.acquire()
            time.sleep(0.5)  # both requests are now waiting on the lock
        for t in threads:
            t.join(timeout=20)
        self.assertEqual(sorted(status for status, _ in results.values()), [200, 409])
        winner = next(name for name, (status, _) in results.items() if status == 200)
        loser = next(name for name, (status, _) in results.items() if status == 409)
        winning_score = {"evaluator-cc": "8.0", "evaluator2-cc": "6.5"}[winner]
        losing_score = {"evaluator-cc": "8.0", "evaluator2-cc": "6.5"}[loser]
        item = EvaluationItem.objects.get(pk=self.item.pk)
        self.assertEqual((item.score, item.version), (Decimal(winning_score), 2))
        body = results[loser][1]
        self.assertTrue(body["conflict"])
        self.assertEqual((body["current"]["score"], body["current"]["version"]), (winning_score, 2))
        self.assertEqual(EvaluationEvent.objects.filter(item=item, field="score").count(), 1)

        # "Keep mine": the loser re-sends on the version it was shown; both values stay in the history.
        client = Client()
        client.force_login(self.world.evaluator if loser == "evaluator-cc" else self.world.evaluator2)
        response = client.post(self.url, json.dumps({"version": 2, "score": losing_score}),
                               content_type="application/json")
        self.assertEqual(response.status_code, 200)
        item.refresh_from_db()
        self.assertEqual((item.score, item.version), (Decimal(losing_score), 3))
        self.assertEqual(
            list(EvaluationEvent.objects.filter(item=item, field="score").order_by("id").values_list("old_value", "new_value")),
            [("", winning_score), (winning_score, losing_score)],
        )
