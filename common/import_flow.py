"""The two-step spreadsheet import of a district's page (JASS, populated centres): upload and
preview, nothing written; then confirm, which re-validates the stored file and writes it all or
nothing. The file waits under a random token in MEDIA_ROOT/imports, named in the session with
its district, so a confirmation for another district or another session is a 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import spreadsheets


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def two_step_import(
    request: HttpRequest,
    *,
    ubigeo: str,
    session_key: str,
    preview: Callable[[bytes, str], Any],
    apply: Callable[[Any], str],
    page: str,
    here: str,
    done: str,
    context: dict,
) -> HttpResponse:
    """Run the import page's request. `preview(content, filename)` returns a result with `.ok`;
    `apply(result)` writes it and returns the success message; `here` and `done` are URL names
    taking `ubigeo` (the import page and the list it returns to); `page` is the template."""
    if request.method == "POST" and request.POST.get("token"):
        pending = request.session.get(session_key) or {}
        token = request.POST["token"]
        if pending.get("token") != token or pending.get("district") != ubigeo:
            raise Http404
        path = _import_dir() / f"{token}{pending['suffix']}"
        if not path.exists():
            messages.error(request, _("El archivo ya no está disponible; vuelva a subirlo."))
            return redirect(here, ubigeo=ubigeo)
        result = preview(path.read_bytes(), path.name)
        if result.ok:
            message = apply(result)
            path.unlink(missing_ok=True)
            request.session.pop(session_key, None)
            messages.success(request, message)
            return redirect(done, ubigeo=ubigeo)
        context["preview"] = result
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if not upload or not upload.name.lower().endswith((".csv", ".xlsx")):
            messages.error(request, _("Elija un archivo CSV o XLSX."))
            return redirect(here, ubigeo=ubigeo)
        try:
            spreadsheets.check_size(upload.size)  # before a byte of it is read
        except spreadsheets.SpreadsheetRefused as refused:
            messages.error(request, str(refused))
            return redirect(here, ubigeo=ubigeo)
        content = upload.read()
        result = preview(content, upload.name)
        context["preview"] = result
        if result.ok:
            token = uuid.uuid4().hex
            suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
            (_import_dir() / f"{token}{suffix}").write_bytes(content)
            request.session[session_key] = {"token": token, "suffix": suffix, "district": ubigeo}
            context["token"] = token
    return render(request, page, context)
