"""The answer library: articles staff write once and reps and customers find again."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    # By label, not by import: text analysis does not depend on the case layer.
    request_types = models.ManyToManyField("cases.RequestType", blank=True, related_name="articles")
    public = models.BooleanField(default=True, help_text="Public articles are suggested to customers too.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
