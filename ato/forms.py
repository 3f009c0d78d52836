from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from common.validators import no_control_characters


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Usuario"),
        max_length=150,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "Usuario o contraseña incorrectos. Tras varios intentos fallidos la cuenta se "
            "bloquea por un tiempo."
        ),
        "inactive": _("Esta cuenta está desactivada."),
    }
