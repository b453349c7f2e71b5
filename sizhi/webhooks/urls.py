"""The subscriptions page, under /accounts/webhooks/ beside the API tokens page."""

from django.urls import path

from sizhi.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.subscriptions, name="subscriptions"),
    path("<int:subscription_id>/", views.subscription, name="subscription"),
    path("<int:subscription_id>/stop/", views.disable, name="disable"),
    path("<int:subscription_id>/start/", views.enable, name="enable"),
    path("<int:subscription_id>/rotate/", views.rotate, name="rotate"),
    path(
        "<int:subscription_id>/deliveries/<int:delivery_id>/resend/",
        views.resend,
        name="resend",
    ),
]
