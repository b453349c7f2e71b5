from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "sizhi.orgs"
    label = "orgs"
