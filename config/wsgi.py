import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Each server worker loads the text models at start, not on its first request.
from honeydesk.cases.tone_guard import load_models  # noqa: E402 -- needs Django set up

load_models()
