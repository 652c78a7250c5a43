"""Protected downloads (issue 13): the view checks who may have the file, then the file is sent either by Django
(development, tests) or by nginx through `X-Accel-Redirect` (production), so app servers do not stream PDFs, ZIPs
and evidence themselves.

Files live in the storage configured in settings.STORAGES["default"]: the local disk, or S3-compatible object
storage. With X-Accel-Redirect, nginx serves a local file from its internal `/_protected/` location (an alias of
MEDIA_ROOT) and an object from its internal `/_s3/` location, which proxies a short-lived presigned URL to the object
store (deploy/nginx/evalportal.conf). Neither location can be requested from outside: only a response header names it.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

X_ACCEL = "x-accel"


def protected_download(
    fieldfile: FieldFile, *, filename: str, content_type: str, as_attachment: bool = True
) -> HttpResponse:
    """The response that sends `fieldfile` to a user the caller has already allowed to have it."""
    if settings.EVALPORTAL_DOWNLOADS == X_ACCEL:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = internal_uri(fieldfile)
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
        return response
    return FileResponse(fieldfile.open("rb"), content_type=content_type, as_attachment=as_attachment, filename=filename)


def internal_uri(fieldfile: FieldFile) -> str:
    """Where nginx finds the file: /_protected/<name> on the local disk, /_s3/<bucket>/<key>?<signature> in S3."""
    storage = fieldfile.storage
    if isinstance(storage, FileSystemStorage):
        return "/_protected/" + quote(fieldfile.name)
    signed = urlsplit(storage.url(fieldfile.name, expire=settings.EVALPORTAL_S3_URL_SECONDS))
    return "/_s3" + signed.path + (f"?{signed.query}" if signed.query else "")
