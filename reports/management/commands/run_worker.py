"""`manage.py run_worker [--once] [--poll SECONDS]`: build queued report ZIP bundles in the background.

Polls the database; several workers may run (on PostgreSQL each claims a different bundle with SKIP LOCKED).
SIGTERM / SIGINT stop it gracefully: the bundle being built goes back to the queue. `--once` processes the queue and
exits (tests, cron). Started by scripts/setup_and_serve.sh next to the web server.
"""

import logging
import os
import signal
import socket
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from reports.models import WorkerHeartbeat
from reports.pdf_services import report_bundles_process

logger = logging.getLogger(__name__)

# After a database error the worker waits this long (doubling up to the maximum) before trying again, so an outage or
# a restart of PostgreSQL pauses the ZIP builds instead of ending them.
RETRY_DELAYS = (2.0, 60.0)


class Command(BaseCommand):
    help = "后台生成报告打包（ZIP）：轮询数据库中排队的打包请求。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="处理完当前队列后退出")
        parser.add_argument("--poll", type=float, default=2.0, help="队列为空时的轮询间隔（秒，默认 2）")

    def handle(self, *args, once, poll, **options):
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write("报告打包后台任务已启动。" if not once else "处理排队中的报告打包……")

        def tidy_connections() -> None:
            # Drop connections the database closed or that outlived CONN_MAX_AGE, as a request would. Not inside a
            # transaction (tests call the command within one).
            if not connection.in_atomic_block:
                close_old_connections()

        name = f"{socket.gethostname()}:{os.getpid()}"
        started = timezone.now()

        def heartbeat() -> None:
            now = timezone.now()
            WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": now, "started_at": started})

        total = 0
        delay = RETRY_DELAYS[0]
        try:
            while not stop.is_set():
                try:
                    tidy_connections()
                    heartbeat()
                    total += report_bundles_process(should_stop=stop.is_set)
                except DatabaseError:
                    if once or connection.in_atomic_block:
                        raise
                    logger.exception("报告打包后台任务：数据库错误，%.0f 秒后重试", delay)
                    connection.close()
                    stop.wait(delay)
                    delay = min(delay * 2, RETRY_DELAYS[1])
                    continue
                delay = RETRY_DELAYS[0]
                if once:
                    break
                stop.wait(poll)
        finally:
            if not once and not connection.in_atomic_block:
                try:
                    WorkerHeartbeat.objects.filter(name=name).delete()  # a clean stop is not a dead worker
                except DatabaseError:
                    logger.warning("报告打包后台任务：停止时无法删除心跳记录")
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            tidy_connections()
        self.stdout.write(self.style.SUCCESS(f"报告打包后台任务已停止（本次处理 {total} 个打包请求）。"))
