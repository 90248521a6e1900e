"""Wire shapes of the inventory API (camelCase keys, like the other contexts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.inventory.models import (
    Asset,
    AssetCondition,
    AssetHistory,
    AssetStatus,
    Consumable,
    Loan,
    MaintenancePriority,
    MaintenanceRequest,
    MaintenanceStatus,
    MovementKind,
    Resolution,
    Room,
    RoomBooking,
    RoomKind,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeDiscrepancy,
)
from common.filters import MAX_BIGINT


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, **kwargs)


class RoomSerializer(serializers.ModelSerializer):
    institutionId = serializers.IntegerField(source="institution_id", read_only=True)
    campusId = serializers.IntegerField(source="campus_id", allow_null=True, read_only=True)
    isActive = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Room
        fields = ["id", "institutionId", "campusId", "code", "name", "kind", "capacity", "equipment", "isActive"]


class RoomWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=RoomKind.choices, default=RoomKind.CLASSROOM)
    capacity = serializers.IntegerField(min_value=0, max_value=10000, default=0)
    equipment = serializers.ListField(child=serializers.CharField(max_length=80), max_length=100, default=list)
    campusId = _id(required=False, allow_null=True, default=None)
    isActive = serializers.BooleanField(required=False, default=True)


class AssetSerializer(serializers.ModelSerializer):
    institutionId = serializers.IntegerField(source="institution_id", read_only=True)
    campusId = serializers.IntegerField(source="campus_id", allow_null=True)
    roomId = serializers.IntegerField(source="room_id", allow_null=True)
    roomCode = serializers.CharField(source="room.code", allow_null=True, default=None)
    serialNumber = serializers.CharField(source="serial_number")
    acquiredOn = serializers.DateField(source="acquired_on", allow_null=True)
    acquisitionValue = serializers.DecimalField(source="acquisition_value", max_digits=12, decimal_places=2,
                                                allow_null=True)
    responsibleStaffId = serializers.IntegerField(source="responsible_staff_id", allow_null=True)
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Asset
        fields = ["id", "institutionId", "code", "barcode", "name", "category", "campusId", "roomId", "roomCode",
                  "condition", "serialNumber", "acquiredOn", "acquisitionValue", "responsibleStaffId", "status",
                  "updatedAt"]


class AssetRegisterSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=160)
    category = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    campusId = _id(required=False, allow_null=True, default=None)
    roomId = _id(required=False, allow_null=True, default=None)
    condition = serializers.ChoiceField(choices=AssetCondition.choices, default=AssetCondition.GOOD)
    serialNumber = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    acquiredOn = serializers.DateField(required=False, allow_null=True, default=None)
    acquisitionValue = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                                allow_null=True, default=None)
    responsibleStaffId = _id(required=False, allow_null=True, default=None)


class AssetUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160, required=False)
    category = serializers.CharField(max_length=60, required=False, allow_blank=True)
    condition = serializers.ChoiceField(choices=AssetCondition.choices, required=False)
    serialNumber = serializers.CharField(max_length=80, required=False, allow_blank=True, source="serial_number")
    acquiredOn = serializers.DateField(required=False, allow_null=True, source="acquired_on")
    acquisitionValue = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                                allow_null=True, source="acquisition_value")
    responsibleStaffId = _id(required=False, allow_null=True, source="responsible_staff_id")
    status = serializers.ChoiceField(choices=[(s, s) for s in (AssetStatus.IN_USE, AssetStatus.IN_REPAIR)],
                                     required=False)


class AssetMoveSerializer(serializers.Serializer):
    roomId = _id(allow_null=True)
    campusId = _id(required=False, allow_null=True, default=None)


class AssetRetireSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class HistorySerializer(serializers.ModelSerializer):
    assetId = serializers.IntegerField(source="asset_id")
    changedBy = serializers.IntegerField(source="changed_by_id", allow_null=True)

    class Meta:
        model = AssetHistory
        fields = ["id", "assetId", "at", "action", "changes", "changedBy"]


class LoanSerializer(serializers.ModelSerializer):
    assetId = serializers.IntegerField(source="asset_id")
    assetCode = serializers.CharField(source="asset.code")
    assetName = serializers.CharField(source="asset.name")
    borrowerId = serializers.IntegerField(source="borrower_id")
    borrowerKind = serializers.CharField(source="borrower_kind")
    checkedOutAt = serializers.DateTimeField(source="checked_out_at")
    dueOn = serializers.DateField(source="due_on")
    returnedAt = serializers.DateTimeField(source="returned_at", allow_null=True)
    returnCondition = serializers.CharField(source="return_condition")
    checkedOutBy = serializers.IntegerField(source="checked_out_by_id", allow_null=True)

    class Meta:
        model = Loan
        fields = ["id", "assetId", "assetCode", "assetName", "borrowerId", "borrowerKind", "checkedOutAt", "dueOn",
                  "returnedAt", "returnCondition", "renewals", "checkedOutBy", "note"]


class CheckoutSerializer(serializers.Serializer):
    assetId = _id()
    borrowerId = _id()
    dueOn = serializers.DateField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CheckinSerializer(serializers.Serializer):
    condition = serializers.ChoiceField(choices=AssetCondition.choices)


class RenewSerializer(serializers.Serializer):
    dueOn = serializers.DateField()


class BookingSerializer(serializers.ModelSerializer):
    roomId = serializers.IntegerField(source="room_id")
    roomCode = serializers.CharField(source="room.code")
    startsAt = serializers.DateTimeField(source="starts_at")
    endsAt = serializers.DateTimeField(source="ends_at")
    bookedBy = serializers.IntegerField(source="booked_by_id", allow_null=True)

    class Meta:
        model = RoomBooking
        fields = ["id", "roomId", "roomCode", "title", "startsAt", "endsAt", "bookedBy", "status"]


class BookingCreateSerializer(serializers.Serializer):
    roomId = _id()
    title = serializers.CharField(max_length=160)
    startsAt = serializers.DateTimeField()
    endsAt = serializers.DateTimeField()

    def validate(self, attrs):
        if attrs["endsAt"] <= attrs["startsAt"]:
            raise serializers.ValidationError({"endsAt": [_("A booking ends after it starts.")]})
        return attrs


class StockLevelSerializer(serializers.ModelSerializer):
    campusId = serializers.IntegerField(source="campus_id")

    class Meta:
        model = StockLevel
        fields = ["campusId", "quantity", "low"]


class ConsumableSerializer(serializers.ModelSerializer):
    institutionId = serializers.IntegerField(source="institution_id", read_only=True)
    reorderThreshold = serializers.IntegerField(source="reorder_threshold")
    stock = StockLevelSerializer(source="stock_levels", many=True, read_only=True)

    class Meta:
        model = Consumable
        fields = ["id", "institutionId", "code", "name", "unit", "reorderThreshold", "stock"]


class ConsumableCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=160)
    unit = serializers.CharField(max_length=20, required=False, default="unit")
    reorderThreshold = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)


class StockMovementSerializer(serializers.ModelSerializer):
    campusId = serializers.IntegerField(source="stock.campus_id")
    quantityAfter = serializers.IntegerField(source="quantity_after")
    by = serializers.IntegerField(source="by_id", allow_null=True)

    class Meta:
        model = StockMovement
        fields = ["id", "campusId", "kind", "delta", "quantityAfter", "reason", "at", "by"]


class StockMovementCreateSerializer(serializers.Serializer):
    campusId = _id()
    kind = serializers.ChoiceField(choices=MovementKind.choices)
    quantity = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class DiscrepancySerializer(serializers.ModelSerializer):
    assetId = serializers.IntegerField(source="asset_id", allow_null=True)
    expectedRoomId = serializers.IntegerField(source="expected_room_id", allow_null=True)
    resolvedAt = serializers.DateTimeField(source="resolved_at", allow_null=True)
    resolvedBy = serializers.IntegerField(source="resolved_by_id", allow_null=True)

    class Meta:
        model = StocktakeDiscrepancy
        fields = ["id", "kind", "code", "assetId", "expectedRoomId", "resolution", "note", "resolvedAt",
                  "resolvedBy"]


class StocktakeSerializer(serializers.ModelSerializer):
    institutionId = serializers.IntegerField(source="institution_id", read_only=True)
    campusId = serializers.IntegerField(source="campus_id", allow_null=True)
    roomId = serializers.IntegerField(source="room_id", allow_null=True)
    startedAt = serializers.DateTimeField(source="started_at")
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)
    scannedCount = serializers.IntegerField(source="scanned_count", read_only=True, default=None)
    openDiscrepancies = serializers.IntegerField(source="open_discrepancies", read_only=True, default=None)

    class Meta:
        model = Stocktake
        fields = ["id", "institutionId", "title", "campusId", "roomId", "status", "startedAt", "closedAt",
                  "scannedCount", "openDiscrepancies"]


class StocktakeReportSerializer(StocktakeSerializer):
    discrepancies = DiscrepancySerializer(many=True, read_only=True)

    class Meta(StocktakeSerializer.Meta):
        fields = [*StocktakeSerializer.Meta.fields, "discrepancies"]


class StocktakeCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=160)
    roomId = _id(required=False, allow_null=True, default=None)
    campusId = _id(required=False, allow_null=True, default=None)


class ScanSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.CharField(max_length=64), max_length=20_000, allow_empty=False)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class MaintenanceSerializer(serializers.ModelSerializer):
    assetId = serializers.IntegerField(source="asset_id")
    assetCode = serializers.CharField(source="asset.code")
    assetStatus = serializers.CharField(source="asset.status")
    openedAt = serializers.DateTimeField(source="opened_at")
    openedBy = serializers.IntegerField(source="opened_by_id", allow_null=True)
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)
    resolutionNote = serializers.CharField(source="resolution_note")

    class Meta:
        model = MaintenanceRequest
        fields = ["id", "assetId", "assetCode", "assetStatus", "title", "description", "priority", "status",
                  "openedAt", "openedBy", "startedAt", "closedAt", "resolutionNote"]


class MaintenanceCreateSerializer(serializers.Serializer):
    assetId = _id()
    title = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=MaintenancePriority.choices, default=MaintenancePriority.MEDIUM)


class MaintenanceStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s, s) for s in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.DONE,
                                                                MaintenanceStatus.CANCELLED)])
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
