from django.apps import AppConfig


class ReachConfig(AppConfig):
    name = "sizhi.reach"
    label = "reach"
