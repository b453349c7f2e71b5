from django.apps import AppConfig


class EgovConfig(AppConfig):
    name = "sizhi.egov"
    label = "egov"
