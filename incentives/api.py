"""REST endpoints of the goal engine (shared/API.md): goals, runs, results and their review."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from common.exporting import export_response
from common.validators import no_control_characters
from territory.access import IsReviewer, require_reviewer
from territory.models import Department

from . import explain, services
from .filters import EvidenceFilter, ResultFilter
from .models import (
    DistrictResult,
    EvaluationRun,
    Evidence,
    Goal,
    Requirement,
    RequirementResult,
    RunKind,
    RunStatus,
)
from .queries import run_overview, run_progress_for, run_results_for


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Requirement
        fields = ["code", "title", "kind", "params", "points", "mandatory", "verification_means"]


class GoalSerializer(serializers.ModelSerializer):
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "code",
            "number",
            "year",
            "title",
            "deadline",
            "categories",
            "minimum_score",
            "working_model",
            "requirements",
        ]


class RunRequestSerializer(serializers.Serializer):
    cutoff = serializers.DateField()
    kind = serializers.ChoiceField(choices=RunKind.choices, default=RunKind.PROGRESS)


class RunSerializer(serializers.ModelSerializer):
    goal = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = EvaluationRun
        fields = [
            "id",
            "goal",
            "cutoff",
            "kind",
            "status",
            "districts_total",
            "districts_done",
            "created_at",
            "finished_at",
        ]


class AreaFiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    in_scope = serializers.IntegerField()
    met = serializers.IntegerField()
    not_met = serializers.IntegerField()
    not_evaluated = serializers.IntegerField()


class GoalSummarySerializer(serializers.Serializer):
    """The schema of `GET /goals/{code}/summary/` (the view writes the dict directly)."""

    goal = serializers.CharField()
    run = serializers.IntegerField()
    cutoff = serializers.DateField()
    kind = serializers.ChoiceField(choices=RunKind.choices)
    in_scope = serializers.IntegerField()
    met = serializers.IntegerField()
    not_met = serializers.IntegerField()
    not_evaluated = serializers.IntegerField()
    areas = AreaFiguresSerializer(many=True)


class GoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """PI goals with their requirement tables (data, not code)."""

    serializer_class = GoalSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{4}-M[0-9]{1,3}"
    ordering = ["-year", "number"]
    filterset_fields = ["year"]

    def get_queryset(self):
        return Goal.objects.prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("order", "code"))
        )

    @extend_schema(
        responses=GoalSummarySerializer,
        parameters=[
            OpenApiParameter(
                "run", int, description="Evaluación (por defecto, la última terminada)"
            ),
            OpenApiParameter(
                "department", str, description="Departamento (2 dígitos): por provincia"
            ),
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=GoalSummarySerializer)
    def summary(self, request, code=None):
        """Districts in scope, met, not met and not evaluated in a run, per department (or per
        province of a department); see `goal_summary_response`."""
        return goal_summary_response(request, code)

    @extend_schema(
        request=RunRequestSerializer,
        responses={
            202: inline_serializer(
                "RunStarted",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "url": serializers.CharField(),
                },
            )
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsReviewer])
    def runs(self, request, code=None):
        """Start a run; it is computed by Celery. 409 when an official run at this cutoff already
        has approved (frozen) results."""
        goal = self.get_object()
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = services.run_start(user=request.user, goal=goal, **body.validated_data)
        except services.FrozenResults as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"id": run.pk, "status": run.status, "url": reverse("run-detail", args=[run.pk])},
            status=status.HTTP_202_ACCEPTED,
        )


class RequirementResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="requirement.code")

    class Meta:
        model = RequirementResult
        fields = ["code", "met", "value", "threshold", "numerator", "denominator"]


class DistrictResultSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district_id")
    requirements = RequirementResultSerializer(many=True, read_only=True)

    class Meta:
        model = DistrictResult
        fields = ["district", "score", "passed", "review", "review_comment", "requirements"]

    def to_representation(self, result):
        """The same JSON as the declared fields, written directly: a page of results carries
        ~300 objects and DRF's field-by-field walk cost more than the queries (bench/national.py,
        api_run_results)."""
        value_field = self.fields["requirements"].child.fields["value"]
        threshold_field = self.fields["requirements"].child.fields["threshold"]

        def decimal(field, number):
            return None if number is None else field.to_representation(number)

        return {
            "district": result.district_id,
            "score": result.score,
            "passed": result.passed,
            "review": result.review,
            "review_comment": result.review_comment,
            "requirements": [
                {
                    "code": getattr(r, "code", None) or r.requirement.code,
                    "met": r.met,
                    "value": decimal(value_field, r.value),
                    "threshold": decimal(threshold_field, r.threshold),
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                }
                for r in getattr(result, "requirement_rows", None) or result.requirements.all()
            ],
        }


class ItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["jass", "water_system", "visit", "evidence", "budget", "populated_centre"]
    )
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    counted = serializers.BooleanField()
    reason = serializers.CharField()


class RequirementItemsSerializer(RequirementResultSerializer):
    points = serializers.IntegerField()
    points_earned = serializers.IntegerField()
    items = ItemSerializer(many=True)

    class Meta(RequirementResultSerializer.Meta):
        fields = RequirementResultSerializer.Meta.fields + ["points", "points_earned", "items"]


class DistrictChecklistSerializer(DistrictResultSerializer):
    """A district's result with, per requirement, its points and the items behind it
    (`incentives.explain`)."""

    requirements = RequirementItemsSerializer(many=True, read_only=True)

    def to_representation(self, result):
        data = super().to_representation(result)
        for row, out in zip(result.checklist, data["requirements"], strict=True):
            out["points"] = row.points
            out["points_earned"] = row.points_earned
            out["items"] = [
                {
                    "type": i.type,
                    "id": i.id,
                    "name": i.name,
                    "counted": i.counted,
                    "reason": i.reason,
                }
                for i in row.items
            ]
        return data


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=DistrictResult._meta.get_field("review_comment").max_length,
        validators=[no_control_characters],
    )


class RunViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An evaluation run: its progress and its results per district. ATM staff read their own
    district's result; reviewers every district's."""

    serializer_class = RunSerializer
    queryset = EvaluationRun.objects.select_related("goal")

    def retrieve(self, request, *args, **kwargs):
        run = run_progress_for(request.user, self.get_object())
        return Response(self.get_serializer(run).data)

    def _results(self, run):
        return (
            DistrictResult.objects.filter(run=run)
            .visible_to(self.request.user)
            .only("id", "run_id", "district_id", "score", "passed", "review", "review_comment")
        )

    @staticmethod
    def _attach_requirements(page) -> None:
        """One query for the requirement rows of the page, as light rows (not model objects:
        ~250 per page, and building them cost more than the query; bench/national.py)."""
        rows: dict[int, list] = {result.pk: [] for result in page}
        for row in (
            RequirementResult.objects.filter(district_result_id__in=rows)
            .annotate(code=F("requirement__code"))
            .order_by("requirement__order", "requirement__code")
            .values_list(
                "district_result_id",
                "code",
                "met",
                "value",
                "threshold",
                "numerator",
                "denominator",
                named=True,
            )
        ):
            rows[row.district_result_id].append(row)
        for result in page:
            result.requirement_rows = rows[result.pk]

    @extend_schema(
        responses=DistrictResultSerializer(many=True),
        parameters=[
            OpenApiParameter("department", str, description="Departamento (2 dígitos)"),
            OpenApiParameter("province", str, description="Provincia (4 dígitos)"),
            OpenApiParameter("passed", bool),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=DistrictResultSerializer)
    def results(self, request, pk=None):
        run = self.get_object()
        filterset = ResultFilter(request.query_params, queryset=self._results(run))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        queryset = filterset.qs.order_by("district_id")
        page = self.paginate_queryset(queryset)
        self._attach_requirements(page)
        return self.get_paginated_response(DistrictResultSerializer(page, many=True).data)

    @extend_schema(responses=DistrictChecklistSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"results/(?P<ubigeo>[0-9]{6})",
        url_name="result",
        serializer_class=DistrictChecklistSerializer,
    )
    def result(self, request, pk=None, ubigeo=None):
        """One district's result with, per requirement, the items counted and not counted and
        why. ATM staff read only their own district (another is 404)."""
        run = self.get_object()
        result = get_object_or_404(
            DistrictResult.objects.visible_to(request.user).select_related("district"),
            run=run,
            district_id=ubigeo,
        )
        rows = list(
            result.requirements.select_related("requirement").order_by(
                "requirement__order", "requirement__code"
            )
        )
        result.requirement_rows = rows
        result.checklist = explain.checklist(run, result.district, rows)
        return Response(DistrictChecklistSerializer(result).data)

    def _review(self, request, pk, ubigeo, approve: bool):
        # Scope first, then the right: another district's result is 404 for ATM staff (its
        # existence is not revealed); the district's own staff get 403.
        run = self.get_object()
        result = get_object_or_404(
            DistrictResult.objects.select_related("run").visible_to(request.user),
            run=run,
            district_id=ubigeo,
        )
        require_reviewer(
            request.user, _("Solo un revisor del sector aprueba u observa resultados.")
        )
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.result_review(
                user=request.user,
                result=result,
                approve=approve,
                comment=body.validated_data["comment"],
            )
        except services.FrozenResults as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(DistrictResultSerializer(result).data)

    @extend_schema(request=ReviewSerializer, responses=DistrictResultSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"results/(?P<ubigeo>[0-9]{6})/approve",
        serializer_class=ReviewSerializer,
    )
    def approve(self, request, pk=None, ubigeo=None):
        return self._review(request, pk, ubigeo, approve=True)

    @extend_schema(request=ReviewSerializer, responses=DistrictResultSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"results/(?P<ubigeo>[0-9]{6})/return",
        url_name="return",
        serializer_class=ReviewSerializer,
    )
    def return_(self, request, pk=None, ubigeo=None):
        return self._review(request, pk, ubigeo, approve=False)


def goal_summary_response(request, code: str) -> Response:
    """The figures of a run of the goal (`?run=`, default the latest finished run), overall and
    per department, or per province of `?department=`. ATM staff get their own district's
    figures only: the districts counted go through `scoped` (`queries.run_districts`), so their
    totals are 1 or 0 and their one area is their department or province; an outsider gets 0.
    A malformed `run` or `department` is 400; a run of another goal, a department that does
    not exist, or a goal with no finished run is 404."""
    goal = get_object_or_404(Goal, code=code)
    picked = request.query_params.get("run", "")
    if picked:
        if not (picked.isascii() and picked.isdigit() and len(picked) <= 18):
            raise serializers.ValidationError(
                {"run": [gettext("Indique el número de la evaluación.")]}
            )
        run = get_object_or_404(goal.runs.select_related("goal"), pk=int(picked))
    else:
        run = (
            goal.runs.filter(status=RunStatus.DONE)
            .select_related("goal")
            .order_by("-created_at", "-id")
            .first()
        )
        if run is None:
            raise Http404(gettext("La meta aún no tiene una evaluación terminada."))
    overview = run_overview(
        request.user, run, {"department": request.query_params.get("department", "")}
    )
    if overview.errors:
        raise serializers.ValidationError(overview.errors)
    if overview.department and not Department.objects.filter(pk=overview.department).exists():
        raise Http404(gettext("No existe ese departamento."))
    total = overview.total.as_dict()
    del total["code"], total["name"]
    return Response(
        {
            "goal": goal.code,
            "run": run.pk,
            "cutoff": run.cutoff.isoformat(),
            "kind": run.kind,
            **total,
            "areas": [area.as_dict() for area in overview.areas],
        }
    )


def compliance_response(run: EvaluationRun, results: QuerySet[DistrictResult], fmt: str):
    """The run's results as CSV or XLSX, one row per district with each requirement met or not:
    the page's export and the API's."""
    requirements = list(run.goal.requirements.order_by("order", "code"))
    met = {
        (r.district_result_id, r.requirement_id): r.met
        for r in RequirementResult.objects.filter(district_result__run=run)
    }
    yes, no = gettext("Sí"), gettext("No")
    header = [
        gettext("Ubigeo"),
        gettext("Distrito"),
        gettext("Provincia"),
        gettext("Departamento"),
        gettext("Puntaje"),
        gettext("Cumple"),
    ] + [gettext("Requisito %(c)s") % {"c": r.code} for r in requirements]
    rows = (
        [
            res.district_id,
            res.district.name,
            res.district.province.name,
            res.district.department.name,
            res.score,
            yes if res.passed else no,
        ]
        + [yes if met.get((res.pk, r.pk)) else no for r in requirements]
        for res in results.iterator(chunk_size=1000)
    )
    return export_response(fmt, f"cumplimiento-{run.goal.code}-{run.cutoff}", header, rows)


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([IsReviewer])
def compliance_export(request, fmt: str) -> HttpResponse:
    """/api/v1/exports/compliance.csv?run=ID (shared/API.md): the run's results, one row per
    district, for reviewers (token or session); filtered like the run's page."""
    run_id = request.query_params.get("run", "")
    if not run_id.isascii() or not run_id.isdigit():
        return Response({"run": [gettext("Indique el número de la evaluación.")]}, status=400)
    run = get_object_or_404(EvaluationRun.objects.select_related("goal"), pk=int(run_id))
    results, _department = run_results_for(request.user, run, request.query_params)
    return compliance_response(run, results, fmt)


class EvidenceSerializer(serializers.ModelSerializer):
    """An evidence item and its review (shared/API.md, "Added in 1.1")."""

    district = serializers.CharField(source="district_id", read_only=True)
    goal = serializers.CharField(source="requirement.goal.code", read_only=True)
    requirement_code = serializers.CharField(source="requirement.code", read_only=True)
    submitted_at = serializers.DateTimeField(source="created_at", read_only=True)
    reviewer_name = serializers.CharField(read_only=True, allow_null=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "district",
            "requirement",
            "goal",
            "requirement_code",
            "number",
            "issued_on",
            "status",
            "submitted_at",
            "reviewed_at",
            "reviewer_name",
            "comment",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, item: Evidence) -> str:
        """The file, served only through the scoped view (common/uploads.py)."""
        return self.context["request"].build_absolute_uri(
            reverse("incentives:evidence_file", args=[item.pk])
        )


class EvidenceReviewSerializer(ReviewSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=Evidence._meta.get_field("comment").max_length,
        validators=[no_control_characters],
    )


class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence presented by the districts: reviewers read all and approve or return it; ATM
    staff read their own district's. Waiting items first, oldest first, unless `ordering`."""

    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter
    ordering_fields = ["submitted_at"]

    def get_queryset(self):
        return (
            Evidence.objects.visible_to(self.request.user)
            .select_related("requirement", "requirement__goal", "reviewed_by")
            .annotate(submitted_at=F("created_at"))
            .waiting_first()
        )

    def _review(self, request, approve: bool):
        # Scope first, then the right: another district's evidence is 404 for ATM staff; the
        # district's own staff get 403. The page's service, the page's rules.
        item = self.get_object()
        require_reviewer(
            request.user, _("Solo un revisor del sector aprueba u observa evidencias.")
        )
        body = EvidenceReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.evidence_review(
            user=request.user,
            evidence=item,
            approve=approve,
            comment=body.validated_data["comment"],
        )
        return Response(self.get_serializer(item).data)

    @extend_schema(request=EvidenceReviewSerializer, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._review(request, approve=True)

    @extend_schema(request=EvidenceReviewSerializer, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._review(request, approve=False)
