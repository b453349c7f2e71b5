"""``/popolo/<region code>.json``: the Popolo export of a group, village, township or county.

Anybody may read it: bodies, members' masked names, public motions and their closed votes are
what the groups' public pages show. A signed-in reader with ``deliberation.view`` over part of
the place also gets that part's private motions and meeting titles (see sizhi.deliberation.popolo).
The document is streamed, so a county's export takes no more memory than a group's.
"""

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from sizhi.core.errors import NotFound
from sizhi.deliberation import popolo
from sizhi.deliberation.popolo_write import iter_popolo_bytes


@require_GET
def export(request: HttpRequest, code: str) -> StreamingHttpResponse:
    try:
        data = popolo.export_for(request.user, code)
    except NotFound as error:
        raise Http404 from error
    response = StreamingHttpResponse(
        iter_popolo_bytes(data, translation.get_language()),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="popolo-{data.code}.json"'
    # What a reader gets depends on who they are.
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    patch_cache_control(response, private=True, no_cache=True)
    return response
