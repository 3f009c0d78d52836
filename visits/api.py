"""REST endpoint /visits/ (shared/API.md): the same service as the page records, edits and
deletes visits, so the rules and the registry summaries are the same.

Field work (issue 13): a phone sends a visit recorded offline with its own `uuid`; a repeat
answers 200 with the stored visit, other content 409 (`visit_receive`). Its acta photos go to
`/visits/{id}/attachments/`, and `/visits/form-spec/` gives the offline form the limits, choices
and Spanish messages the services use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from operator import attrgetter

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.uploads import KINDS, MAX_UPLOAD_BYTES, UploadSerializerField
from jass_registry.api import ReasonSerializer, reason_from
from jass_registry.models import Jass, WaterSystem
from territory.access import DistrictStaffWrites, OwnDistrictObjects, OwnDistrictRelatedField

from . import services
from .filters import VisitFilter
from .models import (
    Agreement,
    AgreementNote,
    ChlorineReading,
    ReadingPoint,
    Topic,
    Visit,
    VisitAttachment,
    VisitKind,
)


def _service_message(key: str, **params):
    """One of the services' messages, translated when it is shown (DRF formats it then)."""
    return lazy(partial(services.message, key, **params), str)()


def _uuid4_only(value) -> None:
    # A phone's crypto.randomUUID(): version 4. A hand-made or nil uuid is a likely collision.
    if value is not None and value.version != 4:
        raise serializers.ValidationError(_("El identificador debe ser un UUID versión 4."))


class ReadingSerializer(serializers.ModelSerializer):
    water_system = OwnDistrictRelatedField(
        queryset=WaterSystem.objects.all(), district_lookup="jass__district_id"
    )

    class Meta:
        model = ChlorineReading
        fields = ["water_system", "point", "mg_per_l", "taken_on"]
        extra_kwargs = {"taken_on": {"required": False}}


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "task", "responsible", "due_on", "done_on"]
        read_only_fields = ["id"]
        extra_kwargs = {"done_on": {"required": False}}


class VisitSerializer(serializers.ModelSerializer):
    jass = OwnDistrictRelatedField(queryset=Jass.objects.all())
    staff = serializers.SlugRelatedField(slug_field="username", read_only=True)
    topics = serializers.ListField(
        child=serializers.ChoiceField(Topic.choices), required=False, max_length=len(Topic)
    )
    # The service's caps, checked before any line is validated, in the service's words.
    readings = ReadingSerializer(
        many=True,
        required=False,
        max_length=services.MAX_READINGS_PER_VISIT,
        error_messages={
            "max_length": _service_message("too_many_readings", n=services.MAX_READINGS_PER_VISIT)
        },
    )
    agreements = AgreementSerializer(
        many=True,
        required=False,
        max_length=services.MAX_AGREEMENTS_PER_VISIT,
        error_messages={
            "max_length": _service_message(
                "too_many_agreements", n=services.MAX_AGREEMENTS_PER_VISIT
            )
        },
    )
    voided = serializers.BooleanField(source="is_voided", read_only=True)
    # The device's identity of the record: written on create only (PATCH may repeat it).
    uuid = serializers.UUIDField(required=False, validators=[_uuid4_only])

    class Meta:
        model = Visit
        fields = [
            "id",
            "uuid",
            "jass",
            *services.VISIT_FIELDS,  # what a visit records, in the order the service writes it
            "staff",
            "readings",
            "agreements",
            "created_at",
            "updated_at",
            "voided",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = ["created_at", "updated_at", "voided_at", "void_reason"]
        validators = []

    def validate(self, attrs):
        if self.instance is not None and "jass" in attrs and attrs["jass"] != self.instance.jass:
            raise serializers.ValidationError({"jass": [_("Una visita no cambia de JASS.")]})
        if (
            self.instance is not None
            and attrs.get("uuid", self.instance.uuid) != self.instance.uuid
        ):
            raise serializers.ValidationError(
                {"uuid": [_("El identificador de una visita no cambia.")]}
            )
        return attrs

    def _split(self, validated_data):
        readings = validated_data.pop("readings", None)
        agreements = validated_data.pop("agreements", None)
        validated_data.pop("jass", None)
        validated_data.pop("uuid", None)
        return validated_data, readings, agreements

    def receive(self) -> services.Received:
        """The create of POST /visits/, idempotent on `uuid` (VisitViewSet.create)."""
        validated_data = dict(self.validated_data)
        jass, uuid = validated_data["jass"], validated_data.get("uuid")
        data, readings, agreements = self._split(validated_data)
        return services.visit_receive(
            user=self.context["request"].user,
            jass=jass,
            data=data,
            readings=readings or [],
            agreements=agreements or [],
            uuid=uuid,
        )

    def update(self, visit, validated_data):
        data, readings, agreements = self._split(validated_data)
        return services.visit_update(
            user=self.context["request"].user,
            visit=visit,
            data=data,
            readings=readings,
            agreements=agreements,
        )


class VisitAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = VisitAttachment
        fields = ["id", "uuid", "visit", "name", "uploaded_by", "uploaded_at", "file_url"]
        read_only_fields = fields

    def get_file_url(self, item: VisitAttachment) -> str:
        """The file, served only through the scoped page view (common/uploads.py)."""
        return self.context["request"].build_absolute_uri(
            reverse("visits:attachment", args=[item.visit_id, item.pk])
        )


class AttachmentUploadSerializer(serializers.Serializer):
    file = UploadSerializerField()
    uuid = serializers.UUIDField(required=False, validators=[_uuid4_only])


def _has_code(error: DjangoValidationError, code: str) -> bool:
    errors = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    return any(getattr(e, "code", None) == code for group in errors for e in group)


def _limit(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _validator_messages(model, field: str, *values) -> list[str]:
    """The messages a model field's validators give for these values: the strings the server
    answers with, read from the validators themselves."""
    found = []
    for value in values:
        try:
            model._meta.get_field(field).run_validators(value)
        except DjangoValidationError as error:
            found.extend(error.messages)
    return found


def form_spec() -> dict:
    mg_min, mg_max = _validator_messages(ChlorineReading, "mg_per_l", Decimal("-1"), Decimal("6"))
    date_early, date_future = _validator_messages(Visit, "date", dt.date(1999, 12, 31), dt.date.max)
    cash_rule = next(
        c.violation_error_message
        for c in Visit._meta.constraints
        if c.name == "cash_balance_only_when_finances_reviewed"
    )
    return {
        "max_readings": services.MAX_READINGS_PER_VISIT,
        "max_agreements": services.MAX_AGREEMENTS_PER_VISIT,
        "max_attachments": services.MAX_ATTACHMENTS_PER_VISIT,
        "agreement_max_years_ahead": services.AGREEMENT_MAX_YEARS_AHEAD,
        "points": [[v, str(label)] for v, label in ReadingPoint.choices],
        "kinds": [[v, str(label)] for v, label in VisitKind.choices],
        "topics": [[v, str(label)] for v, label in Topic.choices],
        "mg_per_l": {"min": 0, "max": 5, "step": "0.01"},
        "lengths": {
            "findings": _limit(Visit, "findings"),
            "attendees": _limit(Visit, "attendees"),
            "task": _limit(Agreement, "task"),
            "responsible": _limit(Agreement, "responsible"),
            "note": _limit(AgreementNote, "text"),
        },
        "upload": {
            "max_bytes": MAX_UPLOAD_BYTES,
            "types": [kind.content_type for kind in KINDS],
        },
        "messages": {
            **{key: str(text) for key, text in services.MESSAGES.items()},
            "mg_per_l_min": mg_min,
            "mg_per_l_max": mg_max,
            "date_too_early": date_early,
            "date_after_today": date_future,
            "cash_balance_without_review": str(cash_rule),
            "required": str(serializers.Field.default_error_messages["required"]),
        },
    }


class VisitViewSet(OwnDistrictObjects, viewsets.ModelViewSet):
    """Advisory visits with their chlorine readings and agreements. Staff write their own
    district's visits; reviewers read every district. DELETE voids (the visit is kept, marked
    `voided`, and leaves the list); a voided visit is still read by its id."""

    serializer_class = VisitSerializer
    permission_classes = [DistrictStaffWrites]
    district_of = attrgetter("jass.district_id")
    filterset_class = VisitFilter
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        visits = Visit.objects.visible_to(self.request.user)
        if self.action == "list":
            visits = visits.valid()
        return visits.select_related("staff").prefetch_related(
            Prefetch("readings", queryset=ChlorineReading.objects.order_by("id")),
            Prefetch("agreements", queryset=Agreement.objects.order_by("id")),
        )

    @extend_schema(
        responses={
            201: VisitSerializer,
            200: OpenApiResponse(VisitSerializer, description=_("Repetición: la visita guardada.")),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_(
                    "El identificador ya se usó con otro contenido, o la visita fue anulada."
                ),
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        """Record a visit. With `uuid` (a UUID4 made by the device) a repeat of the same content
        answers 200 with the stored visit and writes nothing; other content, or a visit voided
        since, answers 409 `{"detail", "code", "stored"}` (`stored` only if the caller may read
        it). A visit to a JASS dissolved meanwhile: 400 `{"jass": [...], "code":
        "jass_dissolved"}`."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            received = serializer.receive()
        except services.VisitConflict as conflict:
            return self._conflict(conflict)
        except DjangoValidationError as error:
            if _has_code(error, "jass_dissolved"):
                return Response(
                    {**error.message_dict, "code": "jass_dissolved"},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            raise
        visit = self.get_queryset().get(pk=received.visit.pk)
        return Response(
            self.get_serializer(visit).data,
            status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK,
        )

    def _conflict(self, conflict: services.VisitConflict) -> Response:
        stored = self.get_queryset().filter(pk=conflict.stored.pk).first()
        if stored is None:  # another district's visit: say nothing about it
            body = {"detail": services.message("visit_conflict_unreadable")}
            body["code"] = "visit_conflict"
        else:
            key = "visit_voided_conflict" if conflict.code == "visit_voided" else "visit_conflict"
            body = {
                "detail": services.message(key),
                "code": conflict.code,
                "stored": self.get_serializer(stored).data,
            }
        return Response(body, status=status.HTTP_409_CONFLICT)

    @extend_schema(
        responses=inline_serializer(
            "VisitFormSpec",
            {
                "max_readings": serializers.IntegerField(),
                "max_agreements": serializers.IntegerField(),
                "max_attachments": serializers.IntegerField(),
                "agreement_max_years_ahead": serializers.IntegerField(),
                "points": serializers.ListField(child=serializers.ListField()),
                "kinds": serializers.ListField(child=serializers.ListField()),
                "topics": serializers.ListField(child=serializers.ListField()),
                "mg_per_l": serializers.DictField(),
                "lengths": serializers.DictField(child=serializers.IntegerField()),
                "upload": serializers.DictField(),
                "messages": serializers.DictField(child=serializers.CharField()),
            },
        )
    )
    @action(detail=False, methods=["get"], url_path="form-spec", pagination_class=None)
    def form_spec(self, request):
        """What the offline visit form checks before it queues a visit: the services' limits,
        the choices and the same Spanish messages (templates with `%(name)d`/`%(name)s`)."""
        user = request.user
        if not (user.is_atm or user.sees_all_districts):
            raise PermissionDenied(_("Solo el personal de un ATM y los revisores."))
        return Response(form_spec())

    @extend_schema(methods=["GET"], request=None, responses=VisitAttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: VisitAttachmentSerializer,
            200: OpenApiResponse(
                VisitAttachmentSerializer, description=_("Repetición: el acta guardada.")
            ),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filterset_class=None,
    )
    def attachments(self, request, pk=None):
        """The visit's acta photos or scans (not the removed ones). POST a `file` (PDF, JPEG or
        PNG by its content) with an optional `uuid` made by the device: a repeat answers 200
        with the stored attachment."""
        visit = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = (
                VisitAttachment.objects.filter(visit=visit, removed_at__isnull=True)
                .select_related("uploaded_by")
                .order_by("uploaded_at", "id")
            )
            return Response(VisitAttachmentSerializer(rows, many=True, context=context).data)
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        received = services.attachment_add(
            user=request.user,
            visit=visit,
            file=file,
            original_name=getattr(file, "name", ""),
            uuid=upload.validated_data.get("uuid"),
        )
        return Response(
            VisitAttachmentSerializer(received.attachment, context=context).data,
            status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK,
        )

    @extend_schema(request=ReasonSerializer, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Void the visit (anular): nothing is deleted. The reason goes in an optional JSON
        body `{"reason": "..."}`; voiding a voided visit changes nothing."""
        visit = self.get_object()
        reason = reason_from(request, default=_("Anulada mediante la API, sin motivo."))
        if not visit.is_voided:
            services.visit_void(user=request.user, visit=visit, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)
