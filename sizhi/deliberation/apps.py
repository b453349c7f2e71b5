from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "sizhi.deliberation"
    label = "deliberation"
