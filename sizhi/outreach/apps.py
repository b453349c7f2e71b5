from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "sizhi.outreach"
    label = "outreach"
