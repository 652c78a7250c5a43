"""Bounded mixed load for the smoke test (issue 13 §4): several users per role, reads and saves, through nginx.

Street-office users each own one cell of 2025-Q2 (xicun-2024) and save it again and again with the version they
last saw; when they stop, each reads its cell back: a value other than its last save is reported as a lost save.
Run by scripts/smoke_deploy.sh: locust --headless -f scripts/smoke/locustfile.py --host https://127.0.0.1:PORT.
"""

from __future__ import annotations

import itertools
import os
import re

from locust import HttpUser, between, events, task

CA = os.environ.get("SMOKE_CA_FILE", True)
QUARTER = "/contracts/xicun-2024/quarters/2025-Q2/"
_cells = itertools.count()
CELL_NAMES: list[str] = []


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.2, 0.8)
    username = ""

    def on_start(self) -> None:
        self.client.verify = CA
        self.client.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace the CA
        page = self.client.get("/accounts/login/", name="login page")
        with self.client.post("/accounts/login/", data={
            "username": self.username, "password": "evalportal-demo", "csrfmiddlewaretoken": _csrf(page.text),
        }, headers={"Referer": self.host + "/accounts/login/"}, name="login", catch_response=True) as response:
            if "退出登录" not in response.text:
                response.failure(f"{self.username} 登录失败")

    @task(3)
    def home(self) -> None:
        self.client.get("/", name=f"home ({self.username})")


class StreetOffice(PortalUser):
    username = "street_xicun"
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get(QUARTER, name="quarter grid")
        names = sorted(set(re.findall(r'name="(c-\d+-\d+-20250[456])"', page.text)))
        self.cell = names[next(_cells) % len(names)] if names else None
        self.saved = None

    @task(2)
    def grid(self) -> None:
        self.client.get(QUARTER, name="quarter grid")

    @task(1)
    def staff(self) -> None:
        self.client.get("/contracts/xicun-2024/staff/", name="staff list")

    @task(2)
    def save(self) -> None:
        if self.cell is None:
            return
        page = self.client.get(QUARTER, name="quarter grid")
        value = re.search(rf'name="{self.cell}"[^>]*value="([^"]*)"', page.text)
        version = re.search(rf'name="v-{self.cell}" value="(\d+)"', page.text)
        if not value or not version:
            return
        new = str(int(value.group(1) or "0") + 1)
        with self.client.post(QUARTER, data={
            "csrfmiddlewaretoken": _csrf(page.text), "action": "save", self.cell: new, f"o-{self.cell}": value.group(1),
            f"v-{self.cell}": version.group(1),
        }, headers={"Referer": self.host + QUARTER}, name="quarter save", catch_response=True) as response:
            if "已保存草稿" in response.text:
                self.saved = new
            else:
                response.failure("保存未成功")

    def on_stop(self) -> None:
        if self.cell is None or self.saved is None:
            return
        page = self.client.get(QUARTER, name="quarter grid (final read)")
        value = re.search(rf'name="{self.cell}"[^>]*value="([^"]*)"', page.text)
        if not value or value.group(1) != self.saved:
            events.request.fire(request_type="CHECK", name="lost save", response_time=0, response_length=0,
                                exception=AssertionError(f"{self.cell} 应为 {self.saved}，读到 {value and value.group(1)}"))


class Bureau(PortalUser):
    username = "bureau_liwan"
    weight = 2

    @task(2)
    def overview(self) -> None:
        self.client.get("/evaluations/", name="evaluation overview")

    @task(1)
    def reports(self) -> None:
        self.client.get("/reports/", name="report list")

    @task(1)
    def contract(self) -> None:
        self.client.get("/contracts/xicun-2024/", name="contract detail")


class Supervision(PortalUser):
    username = "supervision_gz"
    weight = 1

    @task(2)
    def overview(self) -> None:
        self.client.get("/evaluations/", name="evaluation overview")

    @task(1)
    def contracts(self) -> None:
        self.client.get("/contracts/", name="contract list")


class Evaluator(PortalUser):
    username = "evaluator_gzswa"
    weight = 1

    @task(1)
    def evaluation(self) -> None:
        self.client.get("/evaluations/xicun-2024-mid/", name="evaluation detail")
