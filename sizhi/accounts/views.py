"""Login and logout pages (Django's views with the phone login form), and the page where a
user makes and revokes their own API tokens."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sizhi.accounts import actions
from sizhi.accounts.forms import ApiTokenForm, PhoneLoginForm
from sizhi.accounts.queries import list_tokens_for
from sizhi.core.errors import Invalid, InvalidState, NotFound

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=PhoneLoginForm,
    redirect_authenticated_user=True,
)
# Django 5 logs out on POST only; the header's logout button is a POST form.
logout_view = auth_views.LogoutView.as_view()


def _tokens_page(
    request: HttpRequest, form: ApiTokenForm, status: int = 200, secret: str = ""
) -> HttpResponse:
    context = {"form": form, "rows": list_tokens_for(request.user), "secret": secret}
    response = render(request, "accounts/tokens.html", context, status=status)
    if secret:
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; POST makes a personal token and shows its secret once."""
    if request.method != "POST":
        return _tokens_page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            issued = actions.create_api_token(
                owner=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                region_code=form.cleaned_data["region_code"],
                expires_at=form.expires_at(now),
                actor=request.user,
                now=now,
            )
        except Invalid as error:
            form.add_action_errors(error.fields)
        else:
            return _tokens_page(request, ApiTokenForm(), secret=issued.secret)
    return _tokens_page(request, form, status=400)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = actions.revoke_api_token(token_id=token_id, actor=request.user)
    except NotFound as error:
        raise Http404 from error
    except InvalidState as error:
        messages.info(request, str(error.message))
    else:
        messages.success(request, _("已撤销令牌“%(name)s”。") % {"name": token.name})
    return redirect("accounts:tokens")
