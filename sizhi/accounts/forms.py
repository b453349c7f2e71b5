"""Login by mobile number and password, and the personal API token form."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sizhi.accounts.tokens import SCOPES
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


LIFETIME_CHOICES = [
    ("30", _("30天")),
    ("90", _("90天")),
    ("180", _("180天")),
    ("365", _("一年")),
]


class ApiTokenForm(forms.Form):
    """A personal API token: only reads the page; the action decides what is valid."""

    name = forms.CharField(
        label=_("名称"),
        required=False,
        strip=True,
        help_text=_("写明用途，例如“村务报表工具”。"),
    )
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请选择有效的选项。")},
    )
    region_code = forms.CharField(
        label=_("区域范围"),
        required=False,
        strip=True,
        help_text=_("填写区划代码，令牌只能看到该区域内的数据；留空则与您的账号权限相同。"),
    )
    lifetime = forms.ChoiceField(
        label=_("有效期"),
        choices=LIFETIME_CHOICES,
        initial="90",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择有效期。"),
            "invalid_choice": _("请选择有效的选项。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = self.fields["scopes"]
        assert isinstance(scopes, forms.MultipleChoiceField)
        scopes.choices = [(name, label) for name, label in SCOPES.items()]

    def expires_at(self, now: dt.datetime) -> dt.datetime:
        return now + dt.timedelta(days=int(self.cleaned_data["lifetime"]))

    def add_action_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        for name, messages in errors.items():
            field = "lifetime" if name == "expires_at" else name
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))
