"""REST endpoints of territory's own records: the signed-in user's notifications."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "created_at", "kind", "message", "url", "read"]
        read_only_fields = fields

    def get_read(self, item: Notification) -> bool:
        return item.read_at is not None


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notifications, newest first (another user's are 404)."""

    serializer_class = NotificationSerializer
    filter_backends = []

    def get_queryset(self):
        return Notification.objects.of(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        item = self.get_object()
        services.notification_read(user=request.user, notification=item)
        return Response(self.get_serializer(item).data)
