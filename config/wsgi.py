import gc
import importlib
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Each server worker imports this module as it starts. Load the URLconf (every view) now
# rather than in the worker's first request, then take everything loaded so far out of the
# garbage collector's full collections: Django, every app and view live as long as the
# process, and a full collection walked all of them, about 100 ms once every few hundred
# pages; frozen, about 5 ms (`bench/gc_pauses.py`, figures in BENCHMARKS.md).
importlib.import_module(settings.ROOT_URLCONF)
gc.freeze()
