"""The inventory context's contract, implemented in-process (apps.inventory.contracts is the interface)."""

from __future__ import annotations

from apps.inventory import selectors
from apps.inventory.contracts import AssetSummaryDTO, InventoryContract, RoomDTO
from apps.inventory.models import Room
from common.tenancy import Scope


def _room_dto(room: Room) -> RoomDTO:
    return RoomDTO(id=room.pk, institution_id=room.institution_id, campus_id=room.campus_id, code=room.code,
                   name=room.name, kind=room.kind, capacity=room.capacity, is_active=room.is_active)


class LocalInventory(InventoryContract):
    def asset_summary(self, *, scope: Scope, asset_id: int) -> AssetSummaryDTO | None:
        asset = selectors.assets_list(scope=scope).filter(pk=asset_id).first()
        if asset is None:
            return None
        loan = selectors.loans_list(scope=scope, open_only=True).filter(asset_id=asset.pk).first()
        return AssetSummaryDTO(id=asset.pk, institution_id=asset.institution_id, code=asset.code, name=asset.name,
                               category=asset.category, status=asset.status, condition=asset.condition,
                               campus_id=asset.campus_id, room_id=asset.room_id,
                               on_loan_to=loan.borrower_id if loan else None)

    def room_of(self, *, scope: Scope, asset_id: int) -> RoomDTO | None:
        asset = selectors.assets_list(scope=scope).filter(pk=asset_id).first()
        return _room_dto(asset.room) if asset is not None and asset.room is not None else None

    def get_room(self, *, scope: Scope, room_id: int) -> RoomDTO | None:
        room = selectors.rooms_list(scope=scope).filter(pk=room_id).first()
        return _room_dto(room) if room else None
