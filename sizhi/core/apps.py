from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sizhi.core"
    label = "core"
