"""The answer library, edited by staff in the workspace; suggestions for the portal."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from honeydesk.intelligence.models import Article
from honeydesk.intelligence.suggest import suggest
from honeydesk.web.views.common import customer_required, staff_required, user_of


class ArticleForm(forms.ModelForm[Article]):
    class Meta:
        model = Article
        fields = ["title", "body", "request_types", "public"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12}), "request_types": forms.CheckboxSelectMultiple}


@require_GET
@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.prefetch_related("request_types").order_by("title")
    return render(request, "desk/kb_list.html", {"articles": articles})


@require_http_methods(["GET", "POST"])
@staff_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk) if pk else None
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_by = user_of(request)
        saved.save()
        form.save_m2m()
        return redirect("web:kb")
    return render(
        request,
        "desk/kb_form.html",
        {"form": form, "article": article},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@customer_required
def portal_suggest(request: HttpRequest) -> HttpResponse:
    """Public articles that may answer the question before the customer submits it."""
    text = request.GET.get("body", "")[:5000] + " " + request.GET.get("subject", "")[:200]
    return render(request, "portal/_suggestions.html", {"articles": suggest(text, public_only=True)})
