from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "sizhi.webhooks"
    label = "webhooks"
    verbose_name = _("事件推送")
