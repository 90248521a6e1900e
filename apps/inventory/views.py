"""Inventory API (/api/v1/inventory/): thin views — parse, authorize, call a service or selector.

Every selector and service gets the caller's scope (`request_scope(request)`): another school's room,
asset, loan or booking answers 404 (or is simply not listed), like an unknown id. Role rules on top:
`inventory.manage` manages rooms, assets and every loan; `inventory.borrow` (teachers) borrows for
themself and sees their own loans; `inventory.book` books rooms (and cancels their own bookings)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.contracts import has_permission, principal_of, request_scope, requires
from apps.inventory import selectors, services
from apps.inventory.models import AssetHistory, StockMovement
from apps.inventory.serializers import (
    AssetMoveSerializer,
    AssetRegisterSerializer,
    AssetRetireSerializer,
    AssetSerializer,
    AssetUpdateSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CheckinSerializer,
    CheckoutSerializer,
    ConsumableCreateSerializer,
    ConsumableSerializer,
    DiscrepancySerializer,
    HistorySerializer,
    LoanSerializer,
    MaintenanceCreateSerializer,
    MaintenanceSerializer,
    MaintenanceStatusSerializer,
    RenewSerializer,
    ResolveSerializer,
    RoomSerializer,
    RoomWriteSerializer,
    ScanSerializer,
    StockMovementCreateSerializer,
    StockMovementSerializer,
    StocktakeCreateSerializer,
    StocktakeReportSerializer,
    StocktakeSerializer,
)
from common.errors import PermissionDenied, ValidationFailed
from common.filters import MAX_BIGINT

ROOM_EXAMPLE = {"id": 4, "institutionId": 1, "campusId": 2, "code": "LAB-1", "name": "Laboratorio de ciencias",
                "kind": "LAB", "capacity": 30, "equipment": ["proyector", "lavaderos"], "isActive": True}
ASSET_EXAMPLE = {"id": 17, "institutionId": 1, "code": "INV-000017", "barcode": "INV-000017", "name": "Laptop Lenovo",
                 "category": "laptop", "campusId": 2, "roomId": 4, "roomCode": "LAB-1", "condition": "GOOD",
                 "serialNumber": "PF3X9A", "acquiredOn": "2025-03-01", "acquisitionValue": "2500.00",
                 "responsibleStaffId": 7, "status": "IN_USE", "updatedAt": "2026-04-14T13:05:00Z"}
LOAN_EXAMPLE = {"id": 9, "assetId": 17, "assetCode": "INV-000017", "assetName": "Laptop Lenovo", "borrowerId": 101,
                "borrowerKind": "STUDENT", "checkedOutAt": "2026-04-14T13:05:00Z", "dueOn": "2026-04-21",
                "returnedAt": None, "returnCondition": "", "renewals": 0, "checkedOutBy": 7, "note": ""}
BOOKING_EXAMPLE = {"id": 3, "roomId": 4, "roomCode": "LAB-1", "title": "Examen de ciencias",
                   "startsAt": "2026-04-20T13:00:00Z", "endsAt": "2026-04-20T15:00:00Z", "bookedBy": 7,
                   "status": "ACTIVE"}

CONSUMABLE_EXAMPLE = {"id": 2, "institutionId": 1, "code": "TIZA-B", "name": "Tiza blanca (caja)", "unit": "caja",
                      "reorderThreshold": 10, "stock": [{"campusId": 2, "quantity": 8, "low": True}]}
MOVEMENT_EXAMPLE = {"id": 31, "campusId": 2, "kind": "OUT", "delta": -4, "quantityAfter": 8, "reason": "",
                    "at": "2026-04-14T13:05:00Z", "by": 7}
STOCKTAKE_EXAMPLE = {"id": 5, "institutionId": 1, "title": "Inventario anual 2026 — Lab", "campusId": 2, "roomId": 4,
                     "status": "OPEN", "startedAt": "2026-11-20T13:00:00Z", "closedAt": None, "scannedCount": 3,
                     "openDiscrepancies": 2}
REPORT_EXAMPLE = {**STOCKTAKE_EXAMPLE, "discrepancies": [
    {"id": 11, "kind": "MISSING", "code": "INV-000003", "assetId": 3, "expectedRoomId": 4, "resolution": "",
     "note": "", "resolvedAt": None, "resolvedBy": None},
    {"id": 12, "kind": "UNEXPECTED", "code": "ZZ-999", "assetId": None, "expectedRoomId": None, "resolution": "",
     "note": "", "resolvedAt": None, "resolvedBy": None},
    {"id": 13, "kind": "WRONG_ROOM", "code": "INV-000004", "assetId": 4, "expectedRoomId": 1,
     "resolution": "MOVED", "note": "", "resolvedAt": "2026-11-20T15:00:00Z", "resolvedBy": 7}]}
MAINTENANCE_EXAMPLE = {"id": 8, "assetId": 17, "assetCode": "INV-000017", "assetStatus": "IN_REPAIR",
                       "title": "No enciende", "description": "", "priority": "HIGH", "status": "OPEN",
                       "openedAt": "2026-04-14T13:05:00Z", "openedBy": 7, "startedAt": None, "closedAt": None,
                       "resolutionNote": ""}


def _page(value: dict) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [value]}


def _error(name: str, status_code: str, code: str, message: str) -> OpenApiExample:
    return OpenApiExample(name, status_codes=[status_code], response_only=True,
                          value={"error": {"code": code, "message": message, "details": {}}})


NOT_FOUND = _error("Unknown or another school's id", "404", "asset_not_found", "Asset not found.")


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or not 1 <= int(raw) <= MAX_BIGINT:
        raise ValidationFailed(fields={name: [_("Use a positive whole number.")]})
    return int(raw)


def _manages(request: Request) -> bool:
    return has_permission(principal_of(request.user), "inventory.manage")


# --- rooms ------------------------------------------------------------------------------------------


class RoomListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = RoomSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    def get_queryset(self):
        rooms = selectors.rooms_list(scope=request_scope(self.request))
        kind = self.request.query_params.get("kind")
        return rooms.filter(kind=kind) if kind else rooms

    @extend_schema(summary="Rooms of the caller's school (filter: kind)",
                   parameters=[OpenApiParameter("kind", OpenApiTypes.STR, required=False)],
                   examples=[OpenApiExample("Rooms", response_only=True, value=_page(ROOM_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a room", request=RoomWriteSerializer, responses={201: RoomSerializer},
                   examples=[OpenApiExample("Lab", request_only=True, value={
                       "code": "LAB-1", "name": "Laboratorio de ciencias", "kind": "LAB", "capacity": 30,
                       "equipment": ["proyector"], "campusId": 2}),
                       _error("Code taken", "409", "room_code_taken",
                              "A room with this code already exists in the school.")])
    def post(self, request: Request) -> Response:
        body = RoomWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        room = services.room_create(scope=request_scope(request), code=data["code"], name=data["name"],
                                    kind=data["kind"], capacity=data["capacity"], equipment=data["equipment"],
                                    campus_id=data["campusId"])
        return Response(RoomSerializer(room).data, status=status.HTTP_201_CREATED)


class RoomDetailView(APIView):
    permission_classes = [requires("inventory.read")]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    @extend_schema(summary="One room", responses={200: RoomSerializer},
                   examples=[OpenApiExample("Room", response_only=True, value=ROOM_EXAMPLE)])
    def get(self, request: Request, room_id: int) -> Response:
        return Response(RoomSerializer(selectors.room_get(scope=request_scope(request), room_id=room_id)).data)

    @extend_schema(summary="Change a room (any of the create fields)", request=RoomWriteSerializer,
                   responses={200: RoomSerializer},
                   examples=[OpenApiExample("More seats", request_only=True, value={"capacity": 35})])
    def patch(self, request: Request, room_id: int) -> Response:
        body = RoomWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        names = {"code": "code", "name": "name", "kind": "kind", "capacity": "capacity", "equipment": "equipment",
                 "campusId": "campus_id", "isActive": "is_active"}
        changes = {names[k]: v for k, v in body.validated_data.items() if k in request.data}
        room = services.room_update(scope=request_scope(request), room_id=room_id, **changes)
        return Response(RoomSerializer(room).data)


# --- assets -----------------------------------------------------------------------------------------


class AssetListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = AssetSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    def get_queryset(self):
        assets = selectors.assets_list(scope=request_scope(self.request))
        room_id = _int_param(self.request, "roomId")
        if room_id is not None:
            assets = assets.filter(room_id=room_id)
        for param, field in (("status", "status"), ("category", "category"), ("barcode", "barcode")):
            value = self.request.query_params.get(param)
            if value:
                assets = assets.filter(**{field: value})
        return assets

    @extend_schema(summary="Assets of the caller's school (filters: roomId, status, category, barcode)",
                   parameters=[OpenApiParameter("roomId", OpenApiTypes.INT, required=False),
                               OpenApiParameter("status", OpenApiTypes.STR, required=False),
                               OpenApiParameter("category", OpenApiTypes.STR, required=False),
                               OpenApiParameter("barcode", OpenApiTypes.STR, required=False)],
                   examples=[OpenApiExample("Assets", response_only=True, value=_page(ASSET_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Register an asset (asset.registered); the barcode defaults to the code",
                   request=AssetRegisterSerializer, responses={201: AssetSerializer},
                   examples=[OpenApiExample("Laptop", request_only=True, value={
                       "code": "INV-000017", "name": "Laptop Lenovo", "category": "laptop", "roomId": 4,
                       "condition": "NEW", "serialNumber": "PF3X9A", "acquiredOn": "2025-03-01",
                       "acquisitionValue": "2500.00", "responsibleStaffId": 7}),
                       _error("Code taken", "409", "asset_code_taken",
                              "An asset with this code already exists in the school.")])
    def post(self, request: Request) -> Response:
        body = AssetRegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        asset = services.asset_register(
            scope=request_scope(request), code=d["code"], barcode=d["barcode"], name=d["name"],
            category=d["category"], campus_id=d["campusId"], room_id=d["roomId"], condition=d["condition"],
            serial_number=d["serialNumber"], acquired_on=d["acquiredOn"], acquisition_value=d["acquisitionValue"],
            responsible_staff_id=d["responsibleStaffId"], actor_id=request.user.pk)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class AssetDetailView(APIView):
    permission_classes = [requires("inventory.read")]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    @extend_schema(summary="One asset", responses={200: AssetSerializer},
                   examples=[OpenApiExample("Asset", response_only=True, value=ASSET_EXAMPLE), NOT_FOUND])
    def get(self, request: Request, asset_id: int) -> Response:
        return Response(AssetSerializer(selectors.asset_get(scope=request_scope(request), asset_id=asset_id)).data)

    @extend_schema(summary="Change an asset's description, condition or status (IN_USE ↔ IN_REPAIR); history kept",
                   request=AssetUpdateSerializer, responses={200: AssetSerializer},
                   examples=[OpenApiExample("To repair", request_only=True,
                                            value={"status": "IN_REPAIR", "condition": "BROKEN"}), NOT_FOUND])
    def patch(self, request: Request, asset_id: int) -> Response:
        body = AssetUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        asset = services.asset_update(scope=request_scope(request), asset_id=asset_id, actor_id=request.user.pk,
                                      **body.validated_data)
        return Response(AssetSerializer(asset).data)


class AssetMoveView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Move an asset to another room (asset.moved); the campus follows the room",
                   request=AssetMoveSerializer, responses={200: AssetSerializer},
                   examples=[OpenApiExample("Move", request_only=True, value={"roomId": 5}), NOT_FOUND])
    def post(self, request: Request, asset_id: int) -> Response:
        body = AssetMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asset = services.asset_move(scope=request_scope(request), asset_id=asset_id,
                                    room_id=body.validated_data["roomId"], campus_id=body.validated_data["campusId"],
                                    actor_id=request.user.pk)
        return Response(AssetSerializer(asset).data)


class AssetRetireView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Retire an asset (asset.retired); an asset on loan is checked in first",
                   request=AssetRetireSerializer, responses={200: AssetSerializer},
                   examples=[OpenApiExample("Retire", request_only=True, value={"reason": "Pantalla rota"}),
                             _error("On loan", "422", "asset_on_loan",
                                    "An asset on loan cannot be retired: check it in first.")])
    def post(self, request: Request, asset_id: int) -> Response:
        body = AssetRetireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asset = services.asset_retire(scope=request_scope(request), asset_id=asset_id,
                                      reason=body.validated_data["reason"], actor_id=request.user.pk)
        return Response(AssetSerializer(asset).data)


class AssetHistoryView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = HistorySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return AssetHistory.objects.none()
        return selectors.asset_history(scope=request_scope(self.request), asset_id=self.kwargs["asset_id"])

    @extend_schema(summary="An asset's dated history of moves and changes",
                   examples=[OpenApiExample("History", response_only=True, value=_page({
                       "id": 1, "assetId": 17, "at": "2026-04-14T13:05:00Z", "action": "MOVED",
                       "changes": {"roomId": {"from": 4, "to": 5}}, "changedBy": 7}))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- loans ------------------------------------------------------------------------------------------


class LoanListCreateView(generics.ListAPIView):
    permission_classes = [requires(any_of=("inventory.manage", "inventory.borrow"))]
    serializer_class = LoanSerializer

    def get_queryset(self):
        scope = request_scope(self.request)
        borrower = _int_param(self.request, "borrowerId")
        if not _manages(self.request):
            borrower = self.request.user.pk  # a borrower sees their own loans
        open_only = self.request.query_params.get("open") in ("1", "true")
        return selectors.loans_list(scope=scope, borrower_id=borrower, open_only=open_only)

    @extend_schema(summary="Loans (managers: all, filter borrowerId; borrowers: their own; open=true: not returned)",
                   parameters=[OpenApiParameter("borrowerId", OpenApiTypes.INT, required=False),
                               OpenApiParameter("open", OpenApiTypes.BOOL, required=False)],
                   examples=[OpenApiExample("Loans", response_only=True, value=_page(LOAN_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Check an asset out (loan.created). Borrowers without inventory.manage borrow for "
                           "themselves; refused for an asset in repair, on loan or retired, or a borrower over the "
                           "overdue limit",
                   request=CheckoutSerializer, responses={201: LoanSerializer},
                   examples=[OpenApiExample("Checkout", request_only=True, value={
                       "assetId": 17, "borrowerId": 101, "dueOn": "2026-04-21"}),
                       _error("Overdue limit", "422", "too_many_overdue_loans",
                              "The borrower has 1 or more overdue loans: return them before borrowing again."),
                       _error("In repair", "422", "asset_in_repair", "The asset is in repair and cannot be loaned.")])
    def post(self, request: Request) -> Response:
        body = CheckoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        scope = request_scope(request)
        if not _manages(request) and d["borrowerId"] != request.user.pk:
            selectors.asset_get(scope=scope, asset_id=d["assetId"])  # another school's asset: 404 first
            raise PermissionDenied(_("You can only borrow for yourself."), code="not_your_loan")
        loan = services.loan_checkout(scope=scope, asset_id=d["assetId"], borrower_id=d["borrowerId"],
                                      due_on=d["dueOn"], note=d["note"], actor_id=request.user.pk)
        return Response(LoanSerializer(loan).data, status=status.HTTP_201_CREATED)


class LoanCheckinView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Check a loan in with the asset's condition (loan.returned); BROKEN sends it to repair",
                   request=CheckinSerializer, responses={200: LoanSerializer},
                   examples=[OpenApiExample("Returned", request_only=True, value={"condition": "GOOD"}),
                             _error("Already returned", "409", "loan_already_returned", "The loan was already returned.")])
    def post(self, request: Request, loan_id: int) -> Response:
        body = CheckinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        loan = services.loan_checkin(scope=request_scope(request), loan_id=loan_id,
                                     condition=body.validated_data["condition"], actor_id=request.user.pk)
        return Response(LoanSerializer(loan).data)


class LoanRenewView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Renew a loan: a later due date (at most 3 renewals; not once overdue)",
                   request=RenewSerializer, responses={200: LoanSerializer},
                   examples=[OpenApiExample("Renew", request_only=True, value={"dueOn": "2026-04-28"}),
                             _error("Limit", "422", "renewal_limit_reached", "The loan cannot be renewed again.")])
    def post(self, request: Request, loan_id: int) -> Response:
        body = RenewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        loan = services.loan_renew(scope=request_scope(request), loan_id=loan_id, due_on=body.validated_data["dueOn"])
        return Response(LoanSerializer(loan).data)


# --- room bookings ----------------------------------------------------------------------------------


class BookingListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = BookingSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.book")()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.bookings_list(scope=request_scope(self.request), room_id=_int_param(self.request, "roomId"))

    @extend_schema(summary="Room bookings of the caller's school (filter: roomId)",
                   parameters=[OpenApiParameter("roomId", OpenApiTypes.INT, required=False)],
                   examples=[OpenApiExample("Bookings", response_only=True, value=_page(BOOKING_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Book a room (room.booked); an overlapping booking is refused by the database (409)",
                   request=BookingCreateSerializer, responses={201: BookingSerializer},
                   examples=[OpenApiExample("Exam", request_only=True, value={
                       "roomId": 4, "title": "Examen de ciencias", "startsAt": "2026-04-20T13:00:00Z",
                       "endsAt": "2026-04-20T15:00:00Z"}),
                       _error("Overlap", "409", "room_booking_conflict", "The room is already booked at that time.")])
    def post(self, request: Request) -> Response:
        body = BookingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        booking = services.room_book(scope=request_scope(request), room_id=d["roomId"], title=d["title"],
                                     starts_at=d["startsAt"], ends_at=d["endsAt"], actor_id=request.user.pk)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingCancelView(APIView):
    permission_classes = [requires("inventory.book")]

    @extend_schema(summary="Cancel a booking (managers: any; others: their own)", request=None,
                   responses={200: BookingSerializer},
                   examples=[OpenApiExample("Cancelled", response_only=True,
                                            value={**BOOKING_EXAMPLE, "status": "CANCELLED"})])
    def post(self, request: Request, booking_id: int) -> Response:
        scope = request_scope(request)
        booking = selectors.booking_get(scope=scope, booking_id=booking_id)
        if not _manages(request) and booking.booked_by_id != request.user.pk:
            raise PermissionDenied(_("You can only cancel your own bookings."), code="not_your_booking")
        booking = services.booking_cancel(scope=scope, booking_id=booking_id)
        return Response(BookingSerializer(booking).data)


# --- consumables ------------------------------------------------------------------------------------


class ConsumableListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = ConsumableSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.consumables_list(scope=request_scope(self.request))

    @extend_schema(summary="Consumables of the caller's school with their stock per campus",
                   examples=[OpenApiExample("Consumables", response_only=True, value=_page(CONSUMABLE_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a consumable (stock starts at 0 on every campus)",
                   request=ConsumableCreateSerializer, responses={201: ConsumableSerializer},
                   examples=[OpenApiExample("Chalk", request_only=True, value={
                       "code": "TIZA-B", "name": "Tiza blanca (caja)", "unit": "caja", "reorderThreshold": 10}),
                       _error("Code taken", "409", "consumable_code_taken",
                              "A consumable with this code already exists in the school.")])
    def post(self, request: Request) -> Response:
        body = ConsumableCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        consumable = services.consumable_create(scope=request_scope(request), code=d["code"], name=d["name"],
                                                unit=d["unit"], reorder_threshold=d["reorderThreshold"])
        return Response(ConsumableSerializer(consumable).data, status=status.HTTP_201_CREATED)


class StockMovementListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = StockMovementSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return StockMovement.objects.none()
        return selectors.stock_movements(scope=request_scope(self.request),
                                         consumable_id=self.kwargs["consumable_id"])

    @extend_schema(summary="A consumable's stock movements, newest first",
                   examples=[OpenApiExample("Movements", response_only=True, value=_page(MOVEMENT_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Record a stock movement at a campus: IN, OUT, or ADJUSTMENT (signed, with a reason); "
                           "falling to the reorder threshold emits stock.low once per crossing",
                   request=StockMovementCreateSerializer, responses={201: StockMovementSerializer},
                   examples=[OpenApiExample("Out", request_only=True, value={"campusId": 2, "kind": "OUT",
                                                                             "quantity": 4}),
                             OpenApiExample("Adjustment", request_only=True, value={
                                 "campusId": 2, "kind": "ADJUSTMENT", "quantity": -2, "reason": "Cajas mojadas"}),
                             _error("Not enough", "422", "insufficient_stock", "Not enough stock: 3 available.")])
    def post(self, request: Request, consumable_id: int) -> Response:
        body = StockMovementCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        movement = services.stock_move(scope=request_scope(request), consumable_id=consumable_id,
                                       campus_id=d["campusId"], kind=d["kind"], quantity=d["quantity"],
                                       reason=d["reason"], actor_id=request.user.pk)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)


# --- stocktake --------------------------------------------------------------------------------------


class StocktakeListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = StocktakeSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.stocktakes_list(scope=request_scope(self.request))

    @extend_schema(summary="Stocktakes of the caller's school",
                   examples=[OpenApiExample("Stocktakes", response_only=True, value=_page(STOCKTAKE_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Start a stocktake of one room or one campus", request=StocktakeCreateSerializer,
                   responses={201: StocktakeSerializer},
                   examples=[OpenApiExample("Room count", request_only=True, value={
                       "title": "Inventario anual 2026 — Lab", "roomId": 4})])
    def post(self, request: Request) -> Response:
        body = StocktakeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        scope = request_scope(request)
        stocktake = services.stocktake_start(scope=scope, title=d["title"], room_id=d["roomId"],
                                             campus_id=d["campusId"], actor_id=request.user.pk)
        return Response(StocktakeSerializer(selectors.stocktake_report(scope=scope, stocktake_id=stocktake.pk)).data,
                        status=status.HTTP_201_CREATED)


class StocktakeDetailView(APIView):
    permission_classes = [requires("inventory.read")]

    @extend_schema(summary="A stocktake with its discrepancy report (missing, unexpected, wrong room)",
                   responses={200: StocktakeReportSerializer},
                   examples=[OpenApiExample("Report", response_only=True, value=REPORT_EXAMPLE),
                             _error("Unknown or another school's id", "404", "stocktake_not_found",
                                    "Stocktake not found.")])
    def get(self, request: Request, stocktake_id: int) -> Response:
        report = selectors.stocktake_report(scope=request_scope(request), stocktake_id=stocktake_id)
        return Response(StocktakeReportSerializer(report).data)


class StocktakeScanView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Add the codes scanned (asset codes or barcodes; bulks add up) and get the recomputed "
                           "discrepancy report",
                   request=ScanSerializer, responses={200: StocktakeReportSerializer},
                   examples=[OpenApiExample("Scan", request_only=True,
                                            value={"codes": ["INV-000001", "INV-000004", "ZZ-999"]}),
                             OpenApiExample("Report", response_only=True, value=REPORT_EXAMPLE),
                             _error("Closed", "409", "stocktake_closed", "The stocktake is closed.")])
    def post(self, request: Request, stocktake_id: int) -> Response:
        body = ScanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope = request_scope(request)
        services.stocktake_scan(scope=scope, stocktake_id=stocktake_id, codes=body.validated_data["codes"])
        return Response(StocktakeReportSerializer(selectors.stocktake_report(scope=scope,
                                                                             stocktake_id=stocktake_id)).data)


class DiscrepancyResolveView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Resolve one discrepancy: MISSING → FOUND or LOST (retires the asset); WRONG_ROOM → "
                           "MOVED (moves the asset here) or RETURNED; UNEXPECTED → DISMISSED",
                   request=ResolveSerializer, responses={200: DiscrepancySerializer},
                   examples=[OpenApiExample("Lost", request_only=True, value={"resolution": "LOST",
                                                                              "note": "No aparece"}),
                             _error("Does not fit", "422", "resolution_not_allowed",
                                    "This resolution does not fit this kind of discrepancy."),
                             _error("Already resolved", "409", "discrepancy_resolved",
                                    "The discrepancy was already resolved.")])
    def post(self, request: Request, stocktake_id: int, discrepancy_id: int) -> Response:
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        discrepancy = services.stocktake_resolve(
            scope=request_scope(request), stocktake_id=stocktake_id, discrepancy_id=discrepancy_id,
            resolution=body.validated_data["resolution"], note=body.validated_data["note"], actor_id=request.user.pk)
        return Response(DiscrepancySerializer(discrepancy).data)


class StocktakeCloseView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Close a stocktake (every discrepancy resolved)", request=None,
                   responses={200: StocktakeSerializer},
                   examples=[_error("Unresolved", "422", "stocktake_unresolved",
                                    "Resolve every discrepancy before closing the stocktake.")])
    def post(self, request: Request, stocktake_id: int) -> Response:
        scope = request_scope(request)
        services.stocktake_close(scope=scope, stocktake_id=stocktake_id)
        return Response(StocktakeSerializer(selectors.stocktake_report(scope=scope, stocktake_id=stocktake_id)).data)


# --- maintenance ------------------------------------------------------------------------------------


class MaintenanceListCreateView(generics.ListAPIView):
    permission_classes = [requires("inventory.read")]
    serializer_class = MaintenanceSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("inventory.manage")()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.maintenance_list(scope=request_scope(self.request),
                                          asset_id=_int_param(self.request, "assetId"),
                                          status=self.request.query_params.get("status"))

    @extend_schema(summary="Maintenance requests of the caller's school (filters: assetId, status)",
                   parameters=[OpenApiParameter("assetId", OpenApiTypes.INT, required=False),
                               OpenApiParameter("status", OpenApiTypes.STR, required=False)],
                   examples=[OpenApiExample("Requests", response_only=True, value=_page(MAINTENANCE_EXAMPLE))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Open a maintenance request: the asset goes IN_REPAIR (no loans until done or cancelled)",
                   request=MaintenanceCreateSerializer, responses={201: MaintenanceSerializer},
                   examples=[OpenApiExample("Projector", request_only=True, value={
                       "assetId": 17, "title": "No enciende", "priority": "HIGH"}),
                       _error("Already open", "409", "maintenance_already_open",
                              "The asset already has an open maintenance request."),
                       _error("On loan", "422", "asset_on_loan",
                              "An asset on loan cannot go to repair: check it in first."), NOT_FOUND])
    def post(self, request: Request) -> Response:
        body = MaintenanceCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        opened = services.maintenance_open(scope=request_scope(request), asset_id=d["assetId"], title=d["title"],
                                           description=d["description"], priority=d["priority"],
                                           actor_id=request.user.pk)
        return Response(MaintenanceSerializer(opened).data, status=status.HTTP_201_CREATED)


class MaintenanceStatusView(APIView):
    permission_classes = [requires("inventory.manage")]

    @extend_schema(summary="Move a request along: OPEN → IN_PROGRESS → DONE, or CANCELLED; DONE and CANCELLED put "
                           "the asset back IN_USE",
                   request=MaintenanceStatusSerializer, responses={200: MaintenanceSerializer},
                   examples=[OpenApiExample("Done", request_only=True, value={"status": "DONE",
                                                                              "note": "Lámpara cambiada"}),
                             OpenApiExample("Done (response)", response_only=True, value={
                                 **MAINTENANCE_EXAMPLE, "status": "DONE", "assetStatus": "IN_USE",
                                 "closedAt": "2026-04-16T10:00:00Z", "resolutionNote": "Lámpara cambiada"}),
                             _error("Closed", "409", "maintenance_closed",
                                    "The maintenance request is already closed.")])
    def post(self, request: Request, maintenance_id: int) -> Response:
        body = MaintenanceStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changed = services.maintenance_set_status(scope=request_scope(request), request_id=maintenance_id,
                                                  status=body.validated_data["status"],
                                                  note=body.validated_data["note"], actor_id=request.user.pk)
        return Response(MaintenanceSerializer(changed).data)
