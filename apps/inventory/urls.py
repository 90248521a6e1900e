from django.urls import path

from apps.inventory import views

app_name = "inventory"

urlpatterns = [
    path("rooms", views.RoomListCreateView.as_view(), name="rooms"),
    path("rooms/<int:room_id>", views.RoomDetailView.as_view(), name="room-detail"),
    path("assets", views.AssetListCreateView.as_view(), name="assets"),
    path("assets/<int:asset_id>", views.AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<int:asset_id>/move", views.AssetMoveView.as_view(), name="asset-move"),
    path("assets/<int:asset_id>/retire", views.AssetRetireView.as_view(), name="asset-retire"),
    path("assets/<int:asset_id>/history", views.AssetHistoryView.as_view(), name="asset-history"),
    path("loans", views.LoanListCreateView.as_view(), name="loans"),
    path("loans/<int:loan_id>/checkin", views.LoanCheckinView.as_view(), name="loan-checkin"),
    path("loans/<int:loan_id>/renew", views.LoanRenewView.as_view(), name="loan-renew"),
    path("bookings", views.BookingListCreateView.as_view(), name="bookings"),
    path("bookings/<int:booking_id>/cancel", views.BookingCancelView.as_view(), name="booking-cancel"),
    path("consumables", views.ConsumableListCreateView.as_view(), name="consumables"),
    path("consumables/<int:consumable_id>/movements", views.StockMovementListCreateView.as_view(),
         name="consumable-movements"),
    path("stocktakes", views.StocktakeListCreateView.as_view(), name="stocktakes"),
    path("stocktakes/<int:stocktake_id>", views.StocktakeDetailView.as_view(), name="stocktake-detail"),
    path("stocktakes/<int:stocktake_id>/scan", views.StocktakeScanView.as_view(), name="stocktake-scan"),
    path("stocktakes/<int:stocktake_id>/close", views.StocktakeCloseView.as_view(), name="stocktake-close"),
    path("stocktakes/<int:stocktake_id>/discrepancies/<int:discrepancy_id>/resolve",
         views.DiscrepancyResolveView.as_view(), name="discrepancy-resolve"),
    path("maintenance", views.MaintenanceListCreateView.as_view(), name="maintenance"),
    path("maintenance/<int:maintenance_id>/status", views.MaintenanceStatusView.as_view(), name="maintenance-status"),
]
