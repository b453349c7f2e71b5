"""What the deliberation views share: the one way a form becomes an action call and its answer
(post/redirect/get with a message on success; the form again with its errors, 400, for bad
input; 403 for not allowed; 404 for not found; 409 for a state that does not allow it)."""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sizhi.core.errors import ActionError, Invalid, InvalidState, NotAllowed, NotFound
from sizhi.deliberation.forms import add_action_errors

Back = tuple[str, str]  # (url, label) of the page to go back to from a refusal


def refused(request: HttpRequest, error: ActionError, status: int, back: Back) -> HttpResponse:
    """The page for a step that was refused: not allowed (403), or the motion, meeting or ballot
    changed meanwhile or is not in a state for it (409)."""
    title = _("当前状态不能办理这一步") if status == 409 else _("没有权限")
    return render(
        request,
        "deliberation/motion/refused.html",
        {"title": title, "message": error.message, "status": status, "back": back},
        status=status,
    )


def found(call: Callable[[], Any]) -> Any:
    """The result of a read, or 404 when the thing is missing or not visible."""
    try:
        return call()
    except NotFound as error:
        raise Http404 from error


def submit(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], object],
    *,
    done: object,
    then: str | Callable[[object], str],
    again: Callable[[forms.Form], HttpResponse],
    back: Back,
    names: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Validate ``form``, call the action with its data, and answer. ``then`` is the URL to
    redirect to (or makes it from the action's result); ``again`` renders the page with the
    form and its errors. A string returned by ``call`` is said instead of ``done``."""
    if form.is_valid():
        try:
            said = call(form.cleaned_data)
        except Invalid as error:
            add_action_errors(form, error.fields, names or {})
            if not error.fields:
                form.add_error(None, str(error.message))
        except NotAllowed as error:
            return refused(request, error, 403, back)
        except NotFound as error:
            raise Http404 from error
        except InvalidState as error:
            return refused(request, error, 409, back)
        else:
            messages.success(request, said if isinstance(said, str) else str(done))
            return redirect(then(said) if callable(then) else then)
    return again(form)
