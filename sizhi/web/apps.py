from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sizhi.web"
    label = "web"
