from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


class SpanishFirstLocaleMiddleware(LocaleMiddleware):
    """Spanish unless the user chose another language with the selector (its cookie).

    Decision: the browser's Accept-Language is not followed. ATM offices share computers set up
    in any language, and the product speaks Spanish first; English is an explicit choice."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NoStoreForSignedInMiddleware:
    """Nothing a signed-in user receives is kept by a browser or a proxy: ATM offices share
    computers, and pages, API answers and exports carry personal data (DNI, phone, findings).

    Decided after the view ran: the REST API authenticates a token inside the view, so only then
    is `request.user` the token's user. A request that sent credentials (a token) counts too,
    whatever it was answered. Static files (served before this, by WhiteNoise) and anonymous
    pages keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, no_store=True, private=True)
        return response
