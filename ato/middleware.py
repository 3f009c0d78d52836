from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
