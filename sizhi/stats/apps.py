from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "sizhi.stats"
    label = "stats"
