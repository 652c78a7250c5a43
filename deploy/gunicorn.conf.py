"""gunicorn for evalportal (issue 13): `gunicorn -c deploy/gunicorn.conf.py evalportal.wsgi`.

Sync workers: the portal's requests are short database work; PDFs (~2 s) are rendered once and then served by nginx.
Environment: EVALPORTAL_BIND (default 127.0.0.1:8000), WEB_CONCURRENCY (default 2 × cores + 1), GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

bind = os.environ.get("EVALPORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000            # recycle workers now and then (WeasyPrint's memory)
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# no query strings or user names in the access log: paths, status, size and time only
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# gunicorn 27's control socket defaults to one path per user: several instances on one machine would share it
control_socket_disable = True
