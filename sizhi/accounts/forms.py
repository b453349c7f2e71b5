"""Login by mobile number and password."""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sizhi.core.pii import normalise_mobile

# Room for "+86 138 1234 5678" as typed; normalised to 11 digits before authentication.
PHONE_INPUT_MAX_LENGTH = 20


class PhoneLoginForm(AuthenticationForm):
    """Django's login form with the username read as a mobile number in any common spelling:
    spaces, dashes and a +86 / 0086 prefix are dropped before the password is checked."""

    error_messages = {
        "invalid_login": _("手机号或密码不正确，请重新输入。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("手机号")
        username.max_length = PHONE_INPUT_MAX_LENGTH  # type: ignore[attr-defined]
        username.error_messages["required"] = _("请输入手机号。")
        username.widget.input_type = "tel"
        username.widget.attrs.update(
            {
                "maxlength": PHONE_INPUT_MAX_LENGTH,
                "inputmode": "tel",
                "autocomplete": "username",
            }
        )
        password = self.fields["password"]
        password.label = _("密码")
        password.error_messages["required"] = _("请输入密码。")

    def clean_username(self) -> str:
        return normalise_mobile(self.cleaned_data.get("username") or "")
