"""Uploaded files: accepted by their content, stored under the type found in it, served so that
they never run in a browser.

Every attachment of the project (evidence today, visit attachments later) goes through here:

- `validate_upload` (also the default validator of `UploadField` for forms and
  `UploadSerializerField` for the API) checks the size first, then the first bytes: PDF, JPEG or
  PNG, nothing else. The name and the Content-Type the client sent are never believed.
- `UploadFileField` (a model `FileField`) names the stored file after the type detected in its
  content, and `UploadPath` puts it under `<folder>/[<owner>/]<random>.<pdf|jpg|png>`: the
  client's name and extension never reach the disk.
- `serve` answers with the type detected again from the stored bytes (a file stored long ago as
  `x.htm` is served as what it is), `nosniff`, a `sandbox` Content-Security-Policy, and as an
  attachment unless it is a PDF, JPEG or PNG.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
OCTET_STREAM = "application/octet-stream"
# Longest signature below; the head read from a file is this long.
_HEAD_BYTES = 8


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    signature: bytes


KINDS = (
    FileKind("application/pdf", ".pdf", b"%PDF-"),
    FileKind("image/jpeg", ".jpg", b"\xff\xd8\xff"),
    FileKind("image/png", ".png", b"\x89PNG\r\n\x1a\n"),
)
_EXTENSIONS = {kind.extension for kind in KINDS}


def detect(head: bytes) -> FileKind | None:
    """The kind whose signature starts `head`, or None."""
    for kind in KINDS:
        if head.startswith(kind.signature):
            return kind
    return None


def sniff(file) -> FileKind | None:
    """Read a file's first bytes and put it back at its start."""
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    file.seek(0)
    return detect(head)


def validate_upload(file) -> None:
    """A PDF, JPEG or PNG by its content, of at most MAX_UPLOAD_BYTES (checked before reading)."""
    if file.size is None or file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("El archivo supera los %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    if sniff(file) is None:
        raise ValidationError(_("El archivo debe ser un PDF, JPEG o PNG."), code="file_type")


class UploadField(forms.FileField):
    """Form field of an attachment (forms and the admin)."""

    default_validators = [validate_upload]


class UploadSerializerField(serializers.FileField):
    """API field of an attachment."""

    default_validators = [validate_upload]


class UploadFieldFile(FieldFile):
    def save(self, name, content, save=True):
        # The last line of defence: whatever door the file came through (form, API, shell), it
        # is stored only as a detected type and under that type's extension.
        kind = sniff(content)
        if kind is None:
            raise ValidationError(_("El archivo debe ser un PDF, JPEG o PNG."), code="file_type")
        super().save(f"upload{kind.extension}", content, save)


class UploadFileField(models.FileField):
    """A model's attachment: stored under the type detected in its content."""

    attr_class = UploadFieldFile

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": UploadField, **kwargs})


@deconstructible
class UploadPath:
    """`upload_to` of an `UploadFileField`: `<folder>/[<owner>/]<random><extension>`.

    The name it receives comes from `UploadFieldFile.save`, named after the detected type; any
    other suffix (a plain FileField given a client's name) is stored as `.bin`."""

    def __init__(self, folder: str, by: str | None = None):
        self.folder = folder
        self.by = by

    def __call__(self, instance, filename: str) -> str:
        suffix = PurePath(filename).suffix.lower()
        if suffix not in _EXTENSIONS:
            suffix = ".bin"
        parts = [self.folder]
        if self.by:
            parts.append(str(getattr(instance, self.by)))
        return "/".join([*parts, f"{uuid.uuid4().hex}{suffix}"])

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadPath) and (self.folder, self.by) == (other.folder, other.by)

    def __hash__(self) -> int:
        return hash((self.folder, self.by))


def safe_download_name(name: str, kind: FileKind | None) -> str:
    """ASCII letters, digits, dots and dashes, with the extension of the detected type."""
    stem = PurePath(name).stem if PurePath(name).suffix.lower() in _EXTENSIONS else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9.-]+", "-", ascii_stem).strip(".-")[:60] or "archivo"
    return f"{ascii_stem}{kind.extension if kind else '.bin'}"


def serve(request: HttpRequest, fieldfile: FieldFile, download_name: str) -> FileResponse:
    """The one response for a stored attachment. The caller has already checked access."""
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError) as error:  # ValueError: the row has no file
        raise Http404(_("El archivo no está disponible.")) from error
    kind = sniff(handle)
    response = FileResponse(
        handle,
        content_type=kind.content_type if kind else OCTET_STREAM,
        # PDF, JPEG and PNG open in the browser; anything else (a legacy file whose content is
        # none of them) can only be downloaded.
        as_attachment=kind is None,
        filename=safe_download_name(download_name, kind),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, the project-wide policy (django-csp) leaves it alone: even a file a browser
    # decided to render runs no script and reaches no origin.
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store, private"
    return response
