"""
ASGI config for evalportal project.

It exposes the ASGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.core.asgi import get_asgi_application

# A deployment serves through this module: without DJANGO_SETTINGS_MODULE it gets the production settings (DEBUG off,
# secrets from the environment), never the development ones. manage.py stays on development for local work.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings.production")

application = get_asgi_application()
