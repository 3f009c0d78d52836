"""`Authorization: Token <key>` for the REST API, checked against `ApiToken` (the SHA-256 of the
key; the key itself is never stored)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken
from .services import api_token_digest, api_token_touch

# A key is 40 hex characters; anything much longer is not one of ours (and is not hashed).
MAX_KEY_LENGTH = 100


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing (`Token <key>`); the key is looked up by its digest. A token fails
    once expired, revoked, after the user's password changed, or when the user is inactive."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        if len(key) > MAX_KEY_LENGTH:
            raise AuthenticationFailed(_("Token inválido."))
        token = (
            ApiToken.objects.select_related("user").filter(key_digest=api_token_digest(key)).first()
        )
        if token is None:
            raise AuthenticationFailed(_("Token inválido."))
        now = timezone.now()
        # No write on refusal: DRF rolls the request's transaction back on a 401 anyway.
        if token.state(now):
            raise AuthenticationFailed(
                _("El token ya no es válido (%(why)s). Solicite uno nuevo.")
                % {"why": token.state(now)}
            )
        api_token_touch(token=token, now=now)
        return token.user, token
