from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "sizhi.residents"
    label = "residents"
