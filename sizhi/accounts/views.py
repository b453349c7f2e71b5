"""Login and logout pages: Django's views with the phone login form."""

from django.contrib.auth import views as auth_views

from sizhi.accounts.forms import PhoneLoginForm

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=PhoneLoginForm,
    redirect_authenticated_user=True,
)
# Django 5 logs out on POST only; the header's logout button is a POST form.
logout_view = auth_views.LogoutView.as_view()
