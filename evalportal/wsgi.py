"""
WSGI config for evalportal project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

# A deployment serves through this module: without DJANGO_SETTINGS_MODULE it gets the production settings (DEBUG off,
# secrets from the environment), never the development ones. manage.py stays on development for local work.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings.production")

application = get_wsgi_application()
