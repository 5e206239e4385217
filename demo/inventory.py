"""Stock: the movement ledger, the levels it sums to, and purchase requests.

Movements are collected first (issues to enrolments, returns, transfers, damage,
receipts of purchases); then each product's opening receipt at each warehouse is sized
so that the stock never went below zero and ends near a chosen level, some of them at
or below the reorder level (and, for the products the catalogue keeps low, all of them
together, in every state). Every level is the sum of its movements by construction.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from demo.bulk import WORKDAY_END_SECONDS, WORKDAY_START_SECONDS, Clock, Dataset
from demo.catalog import LOW_IN_STATE_SKUS, SCARCE_SKU, SizeSpec
from demo.consumers import Identified
from demo.world import ProductInfo, World
from models import (
    MovementKind,
    PurchaseRequest,
    PurchaseStatus,
    StockLevel,
    StockMovement,
)

OPENING_STOCK_DAYS_AFTER_START = 30
LOW_STOCK_SHARE = 0.2
HEALTHY_STOCK_FACTOR = 4  # healthy levels reach up to this many times the reorder level
HEALTHY_STOCK_MARGIN = 10
DISCONTINUED_STOCK = (5, 20)  # old units of a discontinued product still on the shelf
TRANSFERS_PER_STATE = 2
TRANSFER_QUANTITY = (5, 20)
TRANSFER_DAYS_AGO = (60, 200)
DAMAGE_ADJUSTMENTS_PER_STATE = 2
DAMAGE_DAYS_AGO = (10, 300)
PURCHASE_QUANTITY_FACTOR = 3  # a purchase restocks about three reorder levels
PURCHASE_QUANTITY_STEP = 5
MIN_PURCHASE_QUANTITY = 10
# Only the first four statuses are guaranteed; the rest follow these weights.
PURCHASE_STATUS_WEIGHTS = {
    PurchaseStatus.PENDING: 2,
    PurchaseStatus.APPROVED: 2,
    PurchaseStatus.REJECTED: 2,
    PurchaseStatus.RECEIVED: 4,
}
# (created days ago range) per status; decisions and receipts follow within days.
PURCHASE_AGE_DAYS = {
    PurchaseStatus.PENDING: (1, 10),
    PurchaseStatus.APPROVED: (5, 30),
    PurchaseStatus.REJECTED: (15, 120),
    PurchaseStatus.RECEIVED: (30, 300),
}
NEWEST_PURCHASE_DAYS_AGO = 1
DECISION_DELAY_DAYS = (1, 3)
DECISION_HOURS = (0, 4)
INVOICE_NUMBERS = 10**6
DELIVERY_DELAY_DAYS = (5, 15)
PURCHASE_REASONS = (
    "Below reorder level; scheme demand rising.",
    "Festive season demand expected.",
    "Restock after a busy month of enrolments.",
)
REJECT_NOTES = ("Budget exhausted this quarter.", "Transfer from the other warehouse instead.")
DAMAGE_REASON = "Damaged in transit; written off."


@dataclass(slots=True)
class MovementDraft:
    product_id: int
    warehouse_id: int
    kind: MovementKind
    quantity: int
    at: datetime
    actor_id: int | None
    reason: str | None
    reference: str | None = None
    enrollment: Identified | None = None
    purchase: Identified | None = None


@dataclass(slots=True)
class PurchaseDraft:
    id: int
    product: ProductInfo
    warehouse_id: int
    state_id: int
    quantity: int
    status: PurchaseStatus
    reason: str
    requested_by_id: int
    created_at: datetime
    decided_by_id: int | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    received_at: datetime | None = None

    @property
    def updated_at(self) -> datetime:
        return self.received_at or self.decided_at or self.created_at


class StockLedger:
    """The movements of the demo world, in the order they were recorded."""

    def __init__(self) -> None:
        self.movements: list[MovementDraft] = []

    def record(self, movement: MovementDraft) -> None:
        """Append one movement."""
        self.movements.append(movement)

    def totals(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(product, warehouse) -> (units out, units in) so far."""
        sums: dict[tuple[int, int], tuple[int, int]] = {}
        for m in self.movements:
            out, into = sums.get((m.product_id, m.warehouse_id), (0, 0))
            if m.quantity < 0:
                out -= m.quantity
            else:
                into += m.quantity
            sums[(m.product_id, m.warehouse_id)] = (out, into)
        return sums


def stocked_pairs(world: World) -> list[tuple[ProductInfo, int]]:
    """Every product at every warehouse, except heavy ones away from main warehouses."""
    pairs: list[tuple[ProductInfo, int]] = []
    for main, depot in world.state_warehouses.values():
        for product in world.products.values():
            pairs.append((product, main))
            if not product.spec.main_warehouse_only:
                pairs.append((product, depot))
    return pairs


class InventoryMaker:
    """Transfers, damage, purchase requests, then opening stock and levels."""

    def __init__(self, rng: random.Random, clock: Clock, world: World, ledger: StockLedger):
        self.rng, self.clock, self.world, self.ledger = rng, clock, world, ledger
        self.pairs = stocked_pairs(world)
        # Final levels: kept low where the catalogue says so, else mostly healthy.
        self.kept_low = self._kept_low_targets()
        self.targets = {
            (p.id, w): self.kept_low[(p.id, w)] if (p.id, w) in self.kept_low else self._target(p)
            for p, w in self.pairs
        }
        self.purchases: list[PurchaseDraft] = []

    def _kept_low_targets(self) -> dict[tuple[int, int], int]:
        """``SCARCE_SKU`` over all warehouses, and each state's ``LOW_IN_STATE_SKUS`` over
        that state's: a few units in all, at most the reorder level, spread at random."""
        world = self.world
        groups: list[tuple[ProductInfo, list[int]]] = []
        scarce = world.products[SCARCE_SKU]
        groups.append((scarce, [w for p, w in self.pairs if p.id == scarce.id]))
        for state_id, sku in zip(world.state_warehouses, LOW_IN_STATE_SKUS, strict=False):
            product = world.products[sku]
            in_state = [
                w
                for p, w in self.pairs
                if p.id == product.id and world.warehouse_state[w] == state_id
            ]
            groups.append((product, in_state))
        targets: dict[tuple[int, int], int] = {}
        for product, warehouses in groups:
            units = dict.fromkeys(warehouses, 0)
            for _ in range(self.rng.randint(1, product.spec.reorder_level)):
                units[self.rng.choice(warehouses)] += 1
            targets.update({(product.id, w): count for w, count in units.items()})
        return targets

    def _target(self, product: ProductInfo) -> int:
        spec = product.spec
        if not spec.active:
            return self.rng.randint(*DISCONTINUED_STOCK)
        if self.rng.random() < LOW_STOCK_SHARE:
            return self.rng.randint(0, spec.reorder_level)
        top = spec.reorder_level * HEALTHY_STOCK_FACTOR + HEALTHY_STOCK_MARGIN
        return self.rng.randint(spec.reorder_level + 1, top)

    def _instant(self, days_ago: int) -> datetime:
        seconds = self.rng.randrange(WORKDAY_START_SECONDS, WORKDAY_END_SECONDS)
        return self.clock.instant(self.clock.day(days_ago), seconds)

    def is_low(self, product: ProductInfo, warehouse_id: int) -> bool:
        return self.targets[(product.id, warehouse_id)] <= product.spec.reorder_level

    def add_transfers_and_damage(self) -> None:
        """Units moved from each state's main warehouse to its depot; a few written off."""
        for state_id, (main, depot) in self.world.state_warehouses.items():
            # Nothing moves into stock kept low: it would no longer be low.
            light = [
                p
                for p, w in self.pairs
                if w == depot and p.spec.active and (p.id, w) not in self.kept_low
            ]
            actor = self.world.state_incharges[state_id]
            for number in range(1, TRANSFERS_PER_STATE + 1):
                product = self.rng.choice(light)
                quantity = self.rng.randint(*TRANSFER_QUANTITY)
                at = self._instant(self.rng.randint(*TRANSFER_DAYS_AGO))
                reference = f"TRF-{state_id}-{number}"
                reason = "Transfer to the district depot"
                self.ledger.record(
                    MovementDraft(
                        product.id,
                        main,
                        MovementKind.TRANSFER_OUT,
                        -quantity,
                        at,
                        actor,
                        reason,
                        reference,
                    )
                )
                self.ledger.record(
                    MovementDraft(
                        product.id,
                        depot,
                        MovementKind.TRANSFER_IN,
                        quantity,
                        at + timedelta(hours=4),
                        actor,
                        reason,
                        reference,
                    )
                )
            for _ in range(DAMAGE_ADJUSTMENTS_PER_STATE):
                product = self.rng.choice(light)
                at = self._instant(self.rng.randint(*DAMAGE_DAYS_AGO))
                self.ledger.record(
                    MovementDraft(
                        product.id,
                        self.rng.choice((main, depot)),
                        MovementKind.ADJUSTMENT,
                        -1,
                        at,
                        actor,
                        DAMAGE_REASON,
                    )
                )

    def add_purchases(self, size: SizeSpec) -> None:
        """Purchase requests in every status, per state; received ones add receipts.

        The first of each status in a state are placed so that its in-charges have
        something of their own to see: the pending one was raised yesterday by the
        in-charge of the state's first cluster, for their nearest warehouse (the state
        in-charge has not read it yet); the received one by the state in-charge, for
        the main warehouse.
        """
        statuses = list(PURCHASE_STATUS_WEIGHTS)
        for state_id, (main, _depot) in self.world.state_warehouses.items():
            count = size.purchase_requests_per_state
            chosen = statuses[:count] + self.rng.choices(
                statuses, weights=list(PURCHASE_STATUS_WEIGHTS.values()), k=count - len(statuses)
            )
            first_cluster, nearest = min(
                (cluster_id, warehouse_id)
                for warehouse_id, cluster_ids in self.world.warehouse_clusters.items()
                if self.world.warehouse_state[warehouse_id] == state_id
                for cluster_id in cluster_ids
            )
            placed = {
                PurchaseStatus.PENDING: (
                    self.world.cluster_incharges[first_cluster],
                    nearest,
                    NEWEST_PURCHASE_DAYS_AGO,
                ),
                PurchaseStatus.RECEIVED: (self.world.state_incharges[state_id], main, None),
            }
            for index, status in enumerate(chosen):
                where = placed.get(status) if index < len(statuses) else None
                self._add_purchase(state_id, status, *(where or (None, None, None)))
        self.purchases.sort(key=lambda p: (p.created_at, p.state_id))
        for number, purchase in enumerate(self.purchases, start=1):
            purchase.id = number

    def _add_purchase(
        self,
        state_id: int,
        status: PurchaseStatus,
        requester: int | None = None,
        warehouse: int | None = None,
        days_ago: int | None = None,
    ) -> None:
        """A purchase request in ``status``; by ``requester``, for ``warehouse``,
        ``days_ago`` when given, else by a cluster in-charge the warehouse serves."""
        rng, world = self.rng, self.world
        in_state = [(p, w) for p, w in self.pairs if world.warehouse_state[w] == state_id]
        in_state = [(p, w) for p, w in in_state if p.spec.active and warehouse in (None, w)]
        wants_low = status in (PurchaseStatus.PENDING, PurchaseStatus.APPROVED)
        fitting = [(p, w) for p, w in in_state if self.is_low(p, w) == wants_low]
        product, warehouse_id = rng.choice(fitting or in_state)
        clusters = world.warehouse_clusters[warehouse_id]
        if requester is None:
            requester = (
                world.cluster_incharges[rng.choice(clusters)]
                if clusters
                else world.state_incharges[state_id]
            )
        batches = math.ceil(
            product.spec.reorder_level * PURCHASE_QUANTITY_FACTOR / PURCHASE_QUANTITY_STEP
        )
        quantity = max(MIN_PURCHASE_QUANTITY, batches * PURCHASE_QUANTITY_STEP)
        created_days_ago = days_ago or rng.randint(*PURCHASE_AGE_DAYS[status])
        purchase = PurchaseDraft(
            0,
            product,
            warehouse_id,
            state_id,
            quantity,
            status,
            rng.choice(PURCHASE_REASONS),
            requester,
            self._instant(created_days_ago),
        )
        # The age ranges leave room for the decision and the delivery before today.
        if status is not PurchaseStatus.PENDING:
            purchase.decided_by_id = world.state_incharges[state_id]
            purchase.decided_at = purchase.created_at + timedelta(
                days=rng.randint(*DECISION_DELAY_DAYS), hours=rng.randint(*DECISION_HOURS)
            )
            if status is PurchaseStatus.REJECTED:
                purchase.decision_note = rng.choice(REJECT_NOTES)
        if status is PurchaseStatus.RECEIVED and purchase.decided_at is not None:
            purchase.received_at = purchase.decided_at + timedelta(
                days=rng.randint(*DELIVERY_DELAY_DAYS)
            )
            invoice = f"INV-{rng.randrange(INVOICE_NUMBERS):06d}"
            self.ledger.record(
                MovementDraft(
                    product.id,
                    warehouse_id,
                    MovementKind.RECEIPT,
                    quantity,
                    purchase.received_at,
                    purchase.decided_by_id,
                    "Purchase received",
                    invoice,
                    purchase=purchase,
                )
            )
        self.purchases.append(purchase)

    def add_opening_stock(self) -> None:
        """Size each opening receipt so that no level ever went negative."""
        totals = self.ledger.totals()
        opened_at = self.world.created_at + timedelta(days=OPENING_STOCK_DAYS_AFTER_START)
        for product, warehouse_id in self.pairs:
            out, into = totals.get((product.id, warehouse_id), (0, 0))
            target = self.targets[(product.id, warehouse_id)]
            if into > target and (product.id, warehouse_id) in self.kept_low:
                raise AssertionError(f"seed stock of {product.spec.sku} meant low, received more")
            opening = max(out, target + out - into)
            if opening > 0:
                self.ledger.record(
                    MovementDraft(
                        product.id,
                        warehouse_id,
                        MovementKind.RECEIPT,
                        opening,
                        opened_at,
                        self.world.state_incharges[self.world.warehouse_state[warehouse_id]],
                        "Opening stock",
                        "OPENING",
                    )
                )


def emit_inventory(
    data: Dataset, world: World, ledger: StockLedger, purchases: list[PurchaseDraft]
) -> None:
    """Queue purchase requests, movements (in time order) and the levels they sum to."""
    data.extend(
        PurchaseRequest,
        (
            {
                "id": p.id,
                "product_id": p.product.id,
                "warehouse_id": p.warehouse_id,
                "quantity": p.quantity,
                "quantity_received": p.quantity if p.status is PurchaseStatus.RECEIVED else 0,
                "reason": p.reason,
                "status": p.status,
                "requested_by_id": p.requested_by_id,
                "decided_by_id": p.decided_by_id,
                "decided_at": p.decided_at,
                "decision_note": p.decision_note,
                "created_at": p.created_at,
                "updated_at": p.updated_at,
            }
            for p in purchases
        ),
    )
    movements = sorted(ledger.movements, key=lambda m: (m.at, m.product_id, m.warehouse_id))
    levels: dict[tuple[int, int], tuple[int, datetime]] = {
        (p.id, w): (0, world.created_at) for p, w in stocked_pairs(world)
    }
    for m in movements:
        on_hand, _ = levels.get((m.product_id, m.warehouse_id), (0, m.at))
        levels[(m.product_id, m.warehouse_id)] = (on_hand + m.quantity, m.at)
    data.extend(
        StockMovement,
        (
            {
                "id": number,
                "product_id": m.product_id,
                "warehouse_id": m.warehouse_id,
                "kind": m.kind,
                "quantity": m.quantity,
                "actor_id": m.actor_id,
                "reason": m.reason,
                "reference": m.reference,
                "enrollment_id": m.enrollment.id if m.enrollment else None,
                "purchase_request_id": m.purchase.id if m.purchase else None,
                "created_at": m.at,
            }
            for number, m in enumerate(movements, start=1)
        ),
    )
    data.extend(
        StockLevel,
        (
            {
                "product_id": product_id,
                "warehouse_id": warehouse_id,
                "on_hand": on_hand,
                "reserved": 0,
                "updated_at": updated_at,
            }
            for (product_id, warehouse_id), (on_hand, updated_at) in sorted(levels.items())
        ),
    )
