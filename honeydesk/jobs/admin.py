from django.contrib import admin

from honeydesk.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "func", "state", "attempts", "run_after", "created_at", "finished_at"]
    list_filter = ["state", "func"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry"]

    @admin.action(description="Run again now")
    def retry(self, request, queryset):  # type: ignore[no-untyped-def]
        from django.utils import timezone

        n = queryset.exclude(state=Job.State.RUNNING).update(
            state=Job.State.QUEUED, run_after=timezone.now(), attempts=0, finished_at=None
        )
        self.message_user(request, f"{n} job(s) queued again.")
