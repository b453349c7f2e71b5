"""Region tree import and export pages, for those who may change regions (county admins).

Anyone else gets 404, as for every protected thing: missing and forbidden look the same.
"""

import tempfile
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from sizhi.core.errors import NotAllowed
from sizhi.orgs import regionexport, regionfile, regionio
from sizhi.orgs.actions import import_regions
from sizhi.orgs.forms import RegionImportForm
from sizhi.orgs.models import Region
from sizhi.orgs.queries import scope_prefixes

MAX_SHOWN_PROBLEMS = 1000


def _require_importer(request: HttpRequest) -> None:
    if not scope_prefixes(request.user, regionio.PERM):
        raise Http404


@require_http_methods(["GET", "POST"])
def region_import(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    context: dict[str, Any] = {"max_rows": regionfile.MAX_ROWS}
    if request.method != "POST":
        context["form"] = RegionImportForm()
        return render(request, "orgs/region_import.html", context)

    form = RegionImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "orgs/region_import.html", context, status=400)
    upload = form.cleaned_data["file"]
    update_existing = form.cleaned_data["update_existing"]
    context["filename"] = upload.name
    parsed = regionio.read_upload(upload)
    problems = parsed.problems
    if not problems:
        try:
            if form.validate_only:
                plan = regionio.plan_import(
                    parsed.rows, update_existing=update_existing, actor=request.user
                )
                problems = plan.problems
                context["plan"] = plan
            else:
                context["result"] = import_regions(
                    rows=parsed.rows, update_existing=update_existing, actor=request.user
                )
        except regionio.ImportRejected as exc:
            problems = exc.problems
        except NotAllowed as exc:
            raise Http404 from exc
    if not problems:
        return render(request, "orgs/region_import.html", context)
    context.pop("plan", None)
    context.update(
        problems=problems[:MAX_SHOWN_PROBLEMS],
        problem_count=len(problems),
        problems_cut=len(problems) > MAX_SHOWN_PROBLEMS,
    )
    return render(request, "orgs/region_import.html", context, status=400)


@require_GET
def region_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    _require_importer(request)
    root = request.GET.get("root", "").strip()
    if root and not Region.objects.filter(code=root).exists():
        raise Http404
    rows = regionexport.export_rows(root or None)
    filename = f"regions-{root or 'all'}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            regionexport.iter_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # A workbook is a zip archive and cannot be streamed as it is written: spool it first.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    regionexport.write_xlsx(rows, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
