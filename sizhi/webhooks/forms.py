"""The form of the subscriptions page, and the names of events as the page shows them.

The form only reads the page: what is valid (the URL, the events, the region, the owner) is
decided by ``actions.create_subscription``, whose errors are put back on the fields.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sizhi.accounts.models import ApiToken
from sizhi.webhooks.actions import events_of
from sizhi.webhooks.models import EventKind

OWN_ACCOUNT = "user"  # the owner choice for the signed-in user; a key is "token:<id>"


def event_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(kind, its label, [(event, label)...]) for every event a subscription may choose."""
    return [
        (
            kind.value,
            str(kind.label),
            [(f"{kind.value}.{name}", str(label)) for name, label in events_of(kind).items()],
        )
        for kind in EventKind
    ]


def describe_events(events: Sequence[Any]) -> list[str]:
    """Labels of a subscription's event filter: "诉求 · 全部", "议题 · 决议公开"; "全部事件" for
    none (every event). An event no longer in the tables is shown as stored."""
    if not events:
        return [_("全部事件")]
    groups = event_groups()
    names = {kind: label for kind, label, _steps in groups}
    steps = {value: label for _kind, _label, pairs in groups for value, label in pairs}
    labels = []
    for event in events:
        kind = str(event).partition(".")[0]
        if event in names:
            labels.append(f"{names[event]} · {_('全部')}")
        elif event in steps:
            labels.append(f"{names[kind]} · {steps[event]}")
        else:
            labels.append(str(event))
    return labels


class AnyOf(forms.MultipleChoiceField):
    """Checkboxes whose values the action checks (an unknown event gets its own message)."""

    def valid_value(self, value: Any) -> bool:
        return True


class SubscriptionForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        required=False,
        strip=True,
        help_text=gettext_lazy("写明用途，例如“进化镇工单看板”。"),
    )
    owner = forms.ChoiceField(
        label=gettext_lazy("所有者"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择有效的选项。"),
            "invalid_choice": gettext_lazy("请选择有效的选项。"),
        },
    )
    url = forms.CharField(
        label=gettext_lazy("推送地址"),
        required=False,
        strip=True,
        help_text=gettext_lazy("接收事件的地址，以 https:// 开头（内网系统可用 http://）。"),
    )
    events = AnyOf(label=gettext_lazy("事件"), required=False)
    region_prefix = forms.CharField(
        label=gettext_lazy("区域范围"),
        required=False,
        strip=True,
        help_text=gettext_lazy(
            "填写区划代码，只推送该区域内的事件；留空则推送所有者能看到的全部区域。"
        ),
    )

    def __init__(self, *args: Any, keys: Iterable[ApiToken] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = {f"token:{key.pk}": key for key in keys}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        label = _("集成密钥：%(name)s（%(prefix)s…）")
        owner.choices = [(OWN_ACCOUNT, _("本人账号"))] + [
            (value, label % {"name": key.name, "prefix": key.prefix})
            for value, key in self.keys.items()
        ]
        owner.initial = next(iter(self.keys), OWN_ACCOUNT)

    def owner_key(self) -> ApiToken | None:
        """The integration key chosen as owner, or None for the user's own account."""
        return self.keys.get(self.cleaned_data["owner"])

    def checked_events(self) -> list[str]:
        value = self["events"].value()
        return [str(item) for item in value] if value else []

    def add_action_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, str(message))
