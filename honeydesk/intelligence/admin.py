from django.contrib import admin

from honeydesk.intelligence.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("title", "public", "updated_at")
    list_filter = ("public", "request_types")
    search_fields = ("title", "body")
    filter_horizontal = ("request_types",)
