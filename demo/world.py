"""The demo world's master data: geography, staff, packages, products, warehouses, schemes.

``build_world`` queues these rows and returns a ``World``: the ids and relations that
the later, bulkier parts of the seed (consumers, requests, enrolments) draw on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from demo.bulk import Clock, Dataset
from demo.catalog import (
    DEMO_EMAIL_DOMAIN,
    FEMALE_FIRST_NAMES,
    FORMER_TECHNICIAN,
    MALE_FIRST_NAMES,
    NAMED_ADMIN,
    NAMED_CLUSTER_INCHARGE,
    NAMED_CSA,
    NAMED_CSA_PLANTS,
    NAMED_OPERATOR,
    NAMED_OPERATOR_PLANTS,
    NAMED_STATE_INCHARGE,
    NAMED_TECHNICIAN,
    NAMED_TECHNICIAN_PLANTS,
    PACKAGES,
    PAISE_PER_RUPEE,
    PRODUCTS,
    SCHEMES,
    STATES,
    SURNAMES,
    VILLAGE_SUFFIXES,
    VILLAGES,
    NamedUserSpec,
    ProductSpec,
    SchemeSpec,
    SizeSpec,
    StateSpec,
)
from models import (
    Cluster,
    Package,
    Plant,
    Product,
    Role,
    Scheme,
    SchemeState,
    State,
    User,
    UserPlant,
    Warehouse,
)

# Consumers were connected over the last three years; master data is two months older.
CONNECTION_SPAN_DAYS = 3 * 365
WORLD_START_DAYS_AGO = CONNECTION_SPAN_DAYS + 60
MASTER_DATA_SECONDS = 10 * 3_600
PHONE_FIRST_DIGITS = "6789"
PHONE_REST_DIGITS = 9
FEMALE_SHARE = 0.5
NAMED_STAFF_SHARE = 0.75  # where a named demo user works, how often they are the one acting


def random_phone(rng: random.Random) -> str:
    """An Indian mobile number in E.164: +91, then ten digits starting 6-9."""
    return f"+91{rng.choice(PHONE_FIRST_DIGITS)}{rng.randrange(10**PHONE_REST_DIGITS):09d}"


def random_person_name(rng: random.Random) -> str:
    """A plausible name from the region."""
    if rng.random() < FEMALE_SHARE:
        return f"{rng.choice(FEMALE_FIRST_NAMES)} {rng.choice(SURNAMES)}"
    return f"{rng.choice(MALE_FIRST_NAMES)} {rng.choice(SURNAMES)}"


def pick_staff(rng: random.Random, staff_ids: tuple[int, ...]) -> int:
    """One of a plant's staff: the named demo user (listed first) most of the time."""
    if len(staff_ids) == 1 or rng.random() < NAMED_STAFF_SHARE:
        return staff_ids[0]
    return rng.choice(staff_ids[1:])


@dataclass(frozen=True, slots=True)
class PlantInfo:
    """A plant with everything the seed needs to know about its place and staff."""

    id: int
    code: str
    name: str
    cluster_id: int
    state_id: int
    state_code: str
    warehouse_ids: tuple[int, int]  # (main, nearest): nearest is main for odd clusters
    cluster_incharge_id: int
    state_incharge_id: int
    csa_ids: tuple[int, ...]  # the named demo user, where there is one, comes first
    technician_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PackageInfo:
    id: int
    code: str
    load_watts: int
    active: bool


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: int
    spec: ProductSpec


@dataclass(frozen=True, slots=True)
class SchemeInfo:
    id: int
    spec: SchemeSpec
    product_id: int
    valid_from: date
    valid_to: date | None
    state_ids: frozenset[int]


@dataclass(slots=True)
class World:
    """Ids and relations of the master data, for the rest of the seed."""

    created_at: datetime
    plants: list[PlantInfo] = field(default_factory=list)
    packages: list[PackageInfo] = field(default_factory=list)
    products: dict[str, ProductInfo] = field(default_factory=dict)
    schemes: list[SchemeInfo] = field(default_factory=list)
    # warehouse id -> state id, and each state's (main, depot) warehouses
    warehouse_state: dict[int, int] = field(default_factory=dict)
    state_warehouses: dict[int, tuple[int, int]] = field(default_factory=dict)
    state_incharges: dict[int, int] = field(default_factory=dict)
    state_codes: dict[int, str] = field(default_factory=dict)
    # cluster id -> its in-charge; warehouse id -> clusters whose nearest it is
    cluster_incharges: dict[int, int] = field(default_factory=dict)
    warehouse_clusters: dict[int, list[int]] = field(default_factory=dict)
    # Where the named CSA and technician work: the plants whose screens the demo shows
    # first, so every filter there must have something to show.
    showcase_plant_ids: tuple[int, ...] = ()

    def showcase_plants(self) -> list[PlantInfo]:
        """The showcase plants, in order."""
        return [plant for plant in self.plants if plant.id in self.showcase_plant_ids]


class _Staff:
    """Queues user rows with consecutive ids and unique phone numbers."""

    def __init__(self, data: Dataset, rng: random.Random, password_hash: str, at: datetime):
        self.rng = rng
        self._data, self._hash, self._at = data, password_hash, at
        self._phones: set[str] = set()

    def add(
        self,
        spec: NamedUserSpec,
        role: Role,
        *,
        cluster_id: int | None = None,
        state_id: int | None = None,
        plant_ids: tuple[int, ...] = (),
        active: bool = True,
    ) -> int:
        """Queue the user (and the plants they work at); return their id."""
        user_id = self._data.count(User) + 1
        phone = random_phone(self.rng)
        while phone in self._phones:
            phone = random_phone(self.rng)
        self._phones.add(phone)
        self._data.add(
            User,
            {
                "id": user_id,
                "name": spec.name,
                "email": f"{spec.local_part}@{DEMO_EMAIL_DOMAIN}",
                "phone": phone,
                "role": role,
                "password_hash": self._hash,
                "active": active,
                "cluster_id": cluster_id,
                "state_id": state_id,
                "created_at": self._at,
                "updated_at": self._at,
            },
        )
        for plant_id in plant_ids:
            self._data.add(UserPlant, {"user_id": user_id, "plant_id": plant_id})
        return user_id

    def unnamed(self, local_part: str) -> NamedUserSpec:
        """A login of the background staff, with a random name."""
        return NamedUserSpec(local_part, random_person_name(self.rng))


def plant_name(index: int) -> str:
    """The village name of plant ``index`` (0-based, over the whole world)."""
    village = VILLAGES[index % len(VILLAGES)]
    return village + VILLAGE_SUFFIXES[index // len(VILLAGES)]


def plant_code(cluster_code: str, number: int) -> str:
    """``BAH01``: the cluster's district code and the plant's number in it."""
    return f"{cluster_code}{number:02d}"


def _plants_per_cluster(size: SizeSpec) -> list[int]:
    clusters = size.states * size.clusters_per_state
    base, extra = divmod(size.plants, clusters)
    return [base + (1 if index < extra else 0) for index in range(clusters)]


def build_world(
    data: Dataset, rng: random.Random, clock: Clock, size: SizeSpec, password_hash: str
) -> World:
    """Queue the master data rows and return the ids the rest of the seed needs."""
    at = clock.instant(clock.day(WORLD_START_DAYS_AGO), MASTER_DATA_SECONDS)
    staff = _Staff(data, rng, password_hash, at)
    staff.add(NAMED_ADMIN, Role.ADMIN)
    world = World(created_at=at)
    _add_packages(data, world)
    _add_products(data, world)
    states = STATES[: size.states]
    for state_index, spec in enumerate(states):
        _add_state(data, world, staff, spec, state_index)
    _add_geography(data, world, staff, states, size)
    _add_schemes(data, world, clock, states)
    return world


def _add_packages(data: Dataset, world: World) -> None:
    for number, spec in enumerate(PACKAGES, start=1):
        data.add(
            Package,
            {
                "id": number,
                "code": spec.code,
                "name": spec.name,
                "load_watts": spec.load_watts,
                "monthly_fee_minor": spec.monthly_fee_rupees * PAISE_PER_RUPEE,
                "active": spec.active,
                "created_at": world.created_at,
                "updated_at": world.created_at,
            },
        )
        world.packages.append(PackageInfo(number, spec.code, spec.load_watts, spec.active))


def _add_products(data: Dataset, world: World) -> None:
    for number, spec in enumerate(PRODUCTS, start=1):
        data.add(
            Product,
            {
                "id": number,
                "sku": spec.sku,
                "name": spec.name,
                "product_type": spec.product_type,
                "unit_price_minor": spec.unit_price_rupees * PAISE_PER_RUPEE,
                "reorder_level": spec.reorder_level,
                "active": spec.active,
                "created_at": world.created_at,
                "updated_at": world.created_at,
            },
        )
        world.products[spec.sku] = ProductInfo(number, spec)


def _add_state(
    data: Dataset, world: World, staff: _Staff, spec: StateSpec, state_index: int
) -> None:
    state_id = state_index + 1
    world.state_codes[state_id] = spec.code
    data.add(
        State,
        {"id": state_id, "code": spec.code, "name": spec.name, "created_at": world.created_at},
    )
    warehouse_ids: list[int] = []
    for warehouse in spec.warehouses:
        warehouse_id = data.count(Warehouse) + 1
        warehouse_ids.append(warehouse_id)
        data.add(
            Warehouse,
            {
                "id": warehouse_id,
                "code": warehouse.code,
                "name": warehouse.name,
                "state_id": state_id,
                "address": warehouse.address,
                "latitude": warehouse.latitude,
                "longitude": warehouse.longitude,
                "active": True,
                "created_at": world.created_at,
            },
        )
        world.warehouse_state[warehouse_id] = state_id
        world.warehouse_clusters[warehouse_id] = []
    world.state_warehouses[state_id] = (warehouse_ids[0], warehouse_ids[1])
    login = NAMED_STATE_INCHARGE if state_id == 1 else staff.unnamed(f"state{state_id}")
    world.state_incharges[state_id] = staff.add(login, Role.STATE_INCHARGE, state_id=state_id)


def _add_geography(
    data: Dataset, world: World, staff: _Staff, states: tuple[StateSpec, ...], size: SizeSpec
) -> None:
    plant_counts = _plants_per_cluster(size)
    for state_index, state in enumerate(states):
        state_id = state_index + 1
        main, depot = world.state_warehouses[state_id]
        for index_in_state, cluster in enumerate(state.clusters[: size.clusters_per_state]):
            cluster_id = len(world.cluster_incharges) + 1
            data.add(
                Cluster,
                {
                    "id": cluster_id,
                    "code": f"{state.code}-{cluster.code}",
                    "name": cluster.name,
                    "state_id": state_id,
                    "created_at": world.created_at,
                },
            )
            # Clusters alternate between the district depot and the main warehouse.
            nearest = depot if index_in_state % 2 == 0 else main
            world.warehouse_clusters[nearest].append(cluster_id)
            login = (
                NAMED_CLUSTER_INCHARGE if cluster_id == 1 else staff.unnamed(f"cluster{cluster_id}")
            )
            world.cluster_incharges[cluster_id] = staff.add(
                login, Role.CLUSTER_INCHARGE, cluster_id=cluster_id
            )
            _add_plants(
                data,
                world,
                staff,
                cluster.code,
                cluster_id,
                state_id,
                plant_counts[cluster_id - 1],
                (main, nearest),
            )


def _add_plants(
    data: Dataset,
    world: World,
    staff: _Staff,
    cluster_code: str,
    cluster_id: int,
    state_id: int,
    plant_count: int,
    warehouse_ids: tuple[int, int],
) -> None:
    first_plant_id = len(world.plants) + 1
    plant_ids = tuple(range(first_plant_id, first_plant_id + plant_count))
    for number, plant_id in enumerate(plant_ids, start=1):
        data.add(
            Plant,
            {
                "id": plant_id,
                "code": plant_code(cluster_code, number),
                "name": plant_name(plant_id - 1),
                "cluster_id": cluster_id,
                "created_at": world.created_at,
            },
        )
    named = _named_field_staff(staff, plant_ids) if cluster_id == 1 else _NamedStaff()
    if cluster_id == 1:
        world.showcase_plant_ids = named.csa_plants
    for number, plant_id in enumerate(plant_ids, start=1):
        code = plant_code(cluster_code, number)
        local = code.lower()
        plant_only = (plant_id,)
        csa = staff.add(staff.unnamed(f"csa.{local}"), Role.CSA, plant_ids=plant_only)
        tech = staff.add(staff.unnamed(f"tech.{local}"), Role.TECHNICIAN, plant_ids=plant_only)
        staff.add(staff.unnamed(f"operator.{local}"), Role.OPERATOR, plant_ids=plant_only)
        world.plants.append(
            PlantInfo(
                id=plant_id,
                code=code,
                name=plant_name(plant_id - 1),
                cluster_id=cluster_id,
                state_id=state_id,
                state_code=world.state_codes[state_id],
                warehouse_ids=warehouse_ids,
                cluster_incharge_id=world.cluster_incharges[cluster_id],
                state_incharge_id=world.state_incharges[state_id],
                csa_ids=(*named.csas_at(plant_id), csa),
                technician_ids=(*named.technicians_at(plant_id), tech),
            )
        )


@dataclass(frozen=True, slots=True)
class _NamedStaff:
    """Where the named CSA and technician work (nowhere outside cluster 1)."""

    csa_id: int = 0
    csa_plants: tuple[int, ...] = ()
    technician_id: int = 0
    technician_plants: tuple[int, ...] = ()

    def csas_at(self, plant_id: int) -> tuple[int, ...]:
        return (self.csa_id,) if plant_id in self.csa_plants else ()

    def technicians_at(self, plant_id: int) -> tuple[int, ...]:
        return (self.technician_id,) if plant_id in self.technician_plants else ()


def _named_field_staff(staff: _Staff, plant_ids: tuple[int, ...]) -> _NamedStaff:
    """The named CSA, technician and operator, at plants of cluster 1."""

    def plants(numbers: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(plant_ids[number - 1] for number in numbers)

    csa_plants, tech_plants = plants(NAMED_CSA_PLANTS), plants(NAMED_TECHNICIAN_PLANTS)
    csa = staff.add(NAMED_CSA, Role.CSA, plant_ids=csa_plants)
    tech = staff.add(NAMED_TECHNICIAN, Role.TECHNICIAN, plant_ids=tech_plants)
    staff.add(NAMED_OPERATOR, Role.OPERATOR, plant_ids=plants(NAMED_OPERATOR_PLANTS))
    staff.add(FORMER_TECHNICIAN, Role.TECHNICIAN, plant_ids=plants((1,)), active=False)
    return _NamedStaff(csa, csa_plants, tech, tech_plants)


def _add_schemes(data: Dataset, world: World, clock: Clock, states: tuple[StateSpec, ...]) -> None:
    state_ids = {spec.code: index + 1 for index, spec in enumerate(states)}
    for number, spec in enumerate(SCHEMES, start=1):
        valid_from = date.fromordinal(clock.day(spec.valid_from_days_ago))
        valid_to = (
            None
            if spec.valid_to_days_ahead is None
            else date.fromordinal(clock.day(-spec.valid_to_days_ahead))
        )
        product = world.products[spec.product_sku]
        data.add(
            Scheme,
            {
                "id": number,
                "code": spec.code,
                "name": spec.name,
                "scheme_type": spec.scheme_type,
                "product_id": product.id,
                "total_price_minor": spec.total_price_rupees * PAISE_PER_RUPEE,
                "down_payment_minor": spec.down_payment_rupees * PAISE_PER_RUPEE,
                "installment_count": spec.installment_count,
                "frequency": spec.frequency,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "active": True,
                "created_at": clock.instant(clock.day(spec.valid_from_days_ago), 0),
                "updated_at": clock.instant(clock.day(spec.valid_from_days_ago), 0),
            },
        )
        offered = (
            [state_ids[code] for code in spec.state_codes if code in state_ids]
            if spec.state_codes is not None
            else list(state_ids.values())
        )
        data.extend(SchemeState, ({"scheme_id": number, "state_id": sid} for sid in offered))
        world.schemes.append(
            SchemeInfo(number, spec, product.id, valid_from, valid_to, frozenset(offered))
        )
