"""Inventory's public face (docs/CONTRACTS.md): what other contexts may ask about rooms and assets.

An interface (`InventoryContract`) of keyword-only, typed methods returning frozen DTOs (no model leaves
the context). Callers use the module functions (`inventory.asset_summary(scope=…, asset_id=…)`), which
forward to the local implementation (`apps.inventory.contract_impl`) or, when inventory is served by
another process, to its RPC endpoints (common.contracts; the seed names no timeout for MS-VG-0010, so
the default applies).

Every method takes the caller's `scope`: a room or asset of a school the scope does not reach is None,
exactly like an unknown id."""

from __future__ import annotations

from dataclasses import dataclass

from common.contracts import Contract, expose, idempotent
from common.tenancy import Scope


@dataclass(frozen=True)
class RoomDTO:
    id: int
    institution_id: int
    campus_id: int | None
    code: str
    name: str
    kind: str
    capacity: int
    is_active: bool


@dataclass(frozen=True)
class AssetSummaryDTO:
    id: int
    institution_id: int
    code: str
    name: str
    category: str
    status: str
    condition: str
    campus_id: int | None
    room_id: int | None
    on_loan_to: int | None  # the borrower's user id while the asset is on loan


class InventoryContract(Contract):
    context = "inventory"
    target = "inventory-resources"
    implementation = "apps.inventory.contract_impl.LocalInventory"

    @idempotent
    def asset_summary(self, *, scope: Scope, asset_id: int) -> AssetSummaryDTO | None:
        """An asset of a school the scope reaches (status, condition, where it is, who has it), or None."""
        raise NotImplementedError

    @idempotent
    def room_of(self, *, scope: Scope, asset_id: int) -> RoomDTO | None:
        """The room an asset is in, or None (no room, or an asset the scope does not reach)."""
        raise NotImplementedError

    @idempotent
    def get_room(self, *, scope: Scope, room_id: int) -> RoomDTO | None:
        """A room of a school the scope reaches, or None."""
        raise NotImplementedError


__getattr__ = expose(InventoryContract)
