"""The smoke test's scripted journey through nginx (issue 13 §4): log in, save a quarter cell, finalise an
evaluation, download its PDF through the *other* app server, build a district ZIP and download it.

Usage: journey.py BASE_ALL BASE_APP1 BASE_APP2 CA_FILE   (https URLs of nginx: load-balanced, app 1 only, app 2 only)
Exits non-zero with a message on the first step that fails.
"""

from __future__ import annotations

import re
import sys
import time

import requests

PASSWORD = "evalportal-demo"


class JourneyFailed(Exception):
    pass


def check(ok: bool, message: str) -> None:
    if not ok:
        raise JourneyFailed(message)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    check(match is not None, "页面上没有 CSRF 令牌")
    return match.group(1)


def login(session: requests.Session, base: str, username: str) -> None:
    page = session.get(f"{base}/accounts/login/")
    check(page.status_code == 200, f"登录页 {page.status_code}")
    response = session.post(
        f"{base}/accounts/login/", data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken":
                                         csrf_of(page.text)}, headers={"Referer": f"{base}/accounts/login/"},
    )
    check(response.status_code == 200 and "退出登录" in response.text, f"{username} 登录失败（{response.status_code}）")


def step(name: str):
    print(f"[journey] {name}", flush=True)


def main(base: str, app1: str, app2: str, ca: str) -> None:
    street = requests.Session()
    street.verify = ca
    street.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace the CA
    step("street_xicun 登录（经 nginx 负载均衡）")
    login(street, base, "street_xicun")
    step("保存 2025 年第二季度的一个单元格（经应用服务器 1）")
    url = f"{app1}/contracts/xicun-2024/quarters/2025-Q2/"
    page = street.get(url)
    check(page.status_code == 200, f"填报页 {page.status_code}")
    # April is within the finalised mid-term evaluation's period (locked: no input); May and June are open
    cell = re.search(r'name="(c-\d+-\d+-20250[456])"[^>]*value="([^"]*)"', page.text)
    check(cell is not None, "填报页没有 2025 年第二季度可填写的单元格")
    name, old = cell.group(1), cell.group(2)
    version = re.search(rf'name="v-{name}" value="(\d+)"', page.text)
    check(version is not None, "单元格没有版本号")
    new = str(int(old or "0") + 1)
    response = street.post(url, data={"csrfmiddlewaretoken": csrf_of(page.text), "action": "save", name: new,
                                      f"o-{name}": old, f"v-{name}": version.group(1)}, headers={"Referer": url})
    check(response.status_code == 200 and "已保存" in response.text, f"保存填报 {response.status_code}")
    again = street.get(url.replace(app1, app2))
    check(re.search(rf'name="{name}"[^>]*value="{new}"', again.text) is not None, "应用服务器 2 看不到刚保存的值")

    bureau = requests.Session()
    bureau.verify = ca
    bureau.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace the CA
    step("bureau_liwan 重新开启 xicun-2024-mid 的监督方得分并再次提交（四方齐全即定稿）")
    login(bureau, app1, "bureau_liwan")
    detail = bureau.get(f"{app1}/evaluations/xicun-2024-mid/")
    check(detail.status_code == 200, f"评估页 {detail.status_code}")
    response = bureau.post(f"{app1}/evaluations/xicun-2024-mid/reopen/", data={
        "csrfmiddlewaretoken": csrf_of(detail.text), "reason": "冒烟测试：核对监督方得分", "parties": "supervisor"},
        headers={"Referer": detail.url})
    check(response.status_code == 200 and "已重新开启" in response.text, f"重新开启 {response.status_code}")
    response = bureau.post(f"{app1}/evaluations/xicun-2024-mid/parties/supervisor/submit/", data={
        "csrfmiddlewaretoken": csrf_of(response.text)}, headers={"Referer": detail.url})
    check(response.status_code == 200 and "四方得分已全部提交：总分 89.08 分，良好" in response.text,
          f"再次定稿 {response.status_code}: {re.findall(r'alert[^>]*>([^<]+)', response.text)[:2]}")

    step("经应用服务器 2 下载定稿 PDF")
    pdf = bureau.get(f"{app2}/reports/evaluation/xicun-2024-mid.pdf")
    check(pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), f"PDF 下载 {pdf.status_code}")
    check(pdf.headers.get("Content-Type") == "application/pdf", f"PDF 类型 {pdf.headers.get('Content-Type')}")
    print(f"[journey]   PDF {len(pdf.content)} 字节", flush=True)

    step("按区打包下载（后台任务生成 ZIP）")
    page = bureau.get(f"{app1}/reports/")
    response = bureau.post(f"{app1}/reports/bundles/", data={
        "csrfmiddlewaretoken": csrf_of(page.text), "district": re.search(
            r'<option value="(\d+)"[^>]*>荔湾区', page.text).group(1),
        "period_from": "2024-01-01", "period_to": "2025-12-31"}, headers={"Referer": page.url})
    check(response.status_code == 200, f"申请打包 {response.status_code}")
    bundle = re.search(r"/reports/bundles/(\d+)/", response.url)
    check(bundle is not None, f"打包申请后没有进入打包页：{response.url}")
    pk = bundle.group(1)
    deadline = time.monotonic() + 120
    status = {}
    while time.monotonic() < deadline:
        status = bureau.get(f"{app2}/reports/bundles/{pk}/status.json").json()
        if status.get("status") in ("done", "failed"):
            break
        time.sleep(1)
    check(status.get("status") == "done", f"打包未完成：{status}")
    archive = bureau.get(f"{app2}/reports/bundles/{pk}/download/")
    check(archive.status_code == 200 and archive.content.startswith(b"PK"), f"ZIP 下载 {archive.status_code}")
    print(f"[journey]   ZIP {len(archive.content)} 字节", flush=True)

    step("他区用户下载同一 ZIP：404")
    outsider = requests.Session()
    outsider.verify = ca
    outsider.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace the CA
    login(outsider, base, "street_jingtai")
    check(outsider.get(f"{base}/reports/bundles/{pk}/download/").status_code == 404, "他区用户拿到了 ZIP")
    check(outsider.get(f"{base}/reports/evaluation/xicun-2024-mid.pdf").status_code == 404, "他区用户拿到了 PDF")
    check(outsider.get(f"{base}/_protected/anything").status_code == 404, "内部位置 /_protected/ 可从外部访问")
    check(outsider.get(f"{base}/_s3/evalportal/").status_code == 404, "内部位置 /_s3/ 可从外部访问")
    print("[journey] OK", flush=True)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:5])
    except (JourneyFailed, requests.RequestException, ValueError, AttributeError) as exc:
        print(f"[journey] FAILED: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
