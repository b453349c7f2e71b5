from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sizhi.demo"
    label = "demo"
