"""WSGI entry point, served from the repository root by

gunicorn --chdir example_projects/django_api config.wsgi -b 127.0.0.1:8000
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
