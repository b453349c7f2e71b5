from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "sizhi.messaging"
    label = "messaging"
