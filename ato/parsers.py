"""The API's request parser."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """JSON, refused unread when it is larger than DATA_UPLOAD_MAX_MEMORY_SIZE.

    Django checks that size for form bodies and `request.body`, but DRF parses a JSON body from
    the stream, past that check: a 12 MB body would be read and decoded whole before a
    serializer's max_length refused it."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise ParseError(
                    _("La solicitud supera el tamaño máximo de %(kb)d KB.") % {"kb": limit // 1024}
                )
        return super().parse(stream, media_type, parser_context)
