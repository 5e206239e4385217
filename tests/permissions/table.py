"""The permission matrix: one row per root field, with who may use it (DESIGN.md's table of
roles, written out here, not read from the code) and what its target is in and out of scope.

The ADMIN-only rows (users and master data) have no scope: an ADMIN's scope is everything,
and every other role is refused whatever the target. Catalogue and inventory reads have
none either (DESIGN.md: readable by every signed-in user).
"""

from __future__ import annotations

from typing import Any

from graphql import get_named_type

from models.inventory import PurchaseStatus
from models.packages import RequestStage
from models.staff import Role
from schema import schema
from tests.factories import PASSWORD
from tests.permissions.model import (
    ALL_ROLES,
    Caller,
    Cell,
    Kind,
    Outcome,
    Prepare,
    Row,
    Scope,
    Sees,
)
from tests.permissions.targets import TECHNICIANS, Env, gid, serial

ADMIN, STATE, CLUSTER = Role.ADMIN, Role.STATE_INCHARGE, Role.CLUSTER_INCHARGE
CSA, TECHNICIAN, OPERATOR = Role.CSA, Role.TECHNICIAN, Role.OPERATOR

# DESIGN.md, "What each role may do", one set per line of its table.
REQUEST_READERS = frozenset({TECHNICIAN, CSA, CLUSTER, STATE, ADMIN})
REQUEST_CREATORS = frozenset({CSA, CLUSTER, ADMIN})  # create; cancel a REQUESTED request
MANAGERS = frozenset({CLUSTER, STATE, ADMIN})  # assign, reassign, reject, complete, send back
SUMMARY_READERS = frozenset({TECHNICIAN, CSA, CLUSTER, STATE, ADMIN})
SCHEME_READERS = frozenset({CSA, CLUSTER, STATE, ADMIN})
ENROLLERS = frozenset({CSA, CLUSTER, ADMIN})  # enrol, record a payment
PURCHASE_REQUESTERS = frozenset({CLUSTER, STATE, ADMIN})
PURCHASE_DECIDERS = frozenset({STATE, ADMIN})  # approve, reject, receive stock
ADMIN_ONLY = frozenset({ADMIN})
# Not in DESIGN.md's table; the nearest line decides (see the report of the matrix):
# cancelling an enrolment undoes a sale, a reviewer's decision like completing a request
# but taken by the cluster that sold it; adjusting and transferring stock go with
# receiving it.
ENROLMENT_CANCELLERS = frozenset({CLUSTER, ADMIN})
STOCK_KEEPERS = PURCHASE_DECIDERS

PLANT_SCOPES = ("a target at plant1 (the callers' plant)", "a target at plant4 (another state)")
STATE_SCOPES = ("a warehouse of state1 (the callers' state)", "a warehouse of state2")
OWN_SCOPES = ("the caller's own notification", "another user's notification")
MUTATION_ERRORS = "errors { code message }"


# --- How an answer shows its target --------------------------------------------------


def is_target(data: Any, cell: Cell) -> bool:
    return data is not None and data["id"] == cell.target


def in_list(data: Any, cell: Cell) -> bool:
    return cell.target in {item["id"] for item in data}


def in_connection(data: Any, cell: Cell) -> bool:
    return cell.target in {edge["node"]["id"] for edge in data["edges"]}


def first_is_target(data: Any, cell: Cell) -> bool:
    return is_target(data[0], cell)


def counted(key: str | None = None) -> Sees:
    """The target is counted: the number (at ``key``) is at least one."""

    def sees(data: Any, cell: Cell) -> bool:
        return int(data if key is None else data[key]) >= 1

    return sees


def plant_in_summary(data: Any, cell: Cell) -> bool:
    return cell.target in {row["plant"]["id"] for row in data["rows"]}


def scheme_with_enrolments(data: Any, cell: Cell) -> bool:
    return any(stat["scheme"]["id"] == cell.target and stat["enrollments"] >= 1 for stat in data)


def marked_one(data: Any, cell: Cell) -> bool:
    return int(data["marked"]) == 1


# --- Documents -----------------------------------------------------------------------


def mutation(field: str, selection: str = MUTATION_ERRORS) -> str:
    """``field(input: $input) { selection }``, its input type read from the schema."""
    root = schema._schema.mutation_type
    assert root is not None and field in root.fields, field
    input_type = get_named_type(root.fields[field].args["input"].type).name
    return f"mutation M($input: {input_type}!) {{ {field}(input: $input) {{ {selection} }} }}"


def query_row(
    field: str,
    document: str,
    prepare: Prepare,
    sees: Sees,
    *,
    roles: frozenset[Role] = ALL_ROLES,
    scopes: tuple[str, str] | None = PLANT_SCOPES,
    out_of_scope: str = Outcome.FILTERED,
    **options: Any,
) -> Row:
    return Row(
        field=field,
        kind=Kind.QUERY,
        document=document,
        prepare=prepare,
        roles=roles,
        scopes=scopes,
        out_of_scope=out_of_scope,
        sees=sees,
        **options,
    )


def mutation_row(
    field: str,
    prepare: Prepare,
    *,
    roles: frozenset[Role] | None,
    scopes: tuple[str, str] | None = PLANT_SCOPES,
    out_of_scope: str = Outcome.NOT_FOUND,
    selection: str = MUTATION_ERRORS,
    **options: Any,
) -> Row:
    return Row(
        field=field,
        kind=Kind.MUTATION,
        document=mutation(field, selection),
        prepare=prepare,
        roles=roles,
        scopes=scopes,
        out_of_scope=out_of_scope,
        **options,
    )


def given(input: dict[str, Any], target: Any = None) -> Cell:
    return Cell({"input": input}, target)


def name() -> str:
    return f"Matrix {serial()}"


def code(prefix: str) -> str:
    return f"{prefix}{serial()}"


# --- Queries ---------------------------------------------------------------------------


async def a_consumer(env: Env, caller: Caller, scope: Scope) -> Cell:
    consumer = env.consumer(scope)
    return Cell({"id": consumer, "ids": [consumer]}, consumer)


async def the_caller(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, env.user(caller.user) if caller.user else None)


async def a_colleague(env: Env, caller: Caller, scope: Scope) -> Cell:
    # Not one of the callers, who always see themselves.
    technician = "tech1b" if scope is Scope.IN else "tech4"
    return Cell({}, await env.technician(technician))


async def a_state(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, env.state(scope))


async def a_cluster(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, env.cluster(scope))


async def a_plant(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, env.plant(scope))


async def a_package(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, env.package())


async def a_request(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, await env.request(scope))


async def requests_of_the_plant(env: Env, caller: Caller, scope: Scope) -> Cell:
    await env.request(scope)
    return Cell({"filter": {"plantIds": [env.plant(scope)]}})


async def todays_plant(env: Env, caller: Caller, scope: Scope) -> Cell:
    await env.request(scope)
    return Cell({"range": {"from": env.today(), "to": env.today()}}, env.plant(scope))


async def a_notification(env: Env, caller: Caller, scope: Scope) -> Cell:
    """In scope: a notification of the caller's own; out: one of state2 (not a caller)."""
    owner = caller.user if scope is Scope.IN else "state2"
    if owner is None:
        return Cell({"input": {"ids": [await env.notification("state2")]}})
    notification = await env.notification(owner)
    return Cell({"input": {"ids": [notification]}}, notification)


async def a_product(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, await env.fan())


async def a_warehouse(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, await env.warehouse(scope))


async def a_purchase_request(env: Env, caller: Caller, scope: Scope) -> Cell:
    request = await env.once(
        ("purchase request", scope),
        lambda: env.fresh_purchase_request(scope, PurchaseStatus.PENDING),
    )
    return Cell({}, request)


async def a_scheme(env: Env, caller: Caller, scope: Scope) -> Cell:
    return Cell({}, await env.scheme_of(Scope.IN))


async def an_enrollment(env: Env, caller: Caller, scope: Scope) -> Cell:
    enrollment = await env.enrollment(scope)
    return Cell({"code": enrollment["schemeCode"]}, enrollment["id"])


async def todays_scheme(env: Env, caller: Caller, scope: Scope) -> Cell:
    await env.enrollment(scope)
    return Cell({"range": {"from": env.today(), "to": env.today()}}, await env.scheme_of(scope))


QUERIES = [
    query_row("node", "query Q($id: ID!) { node(id: $id) { id } }", a_consumer, is_target),
    query_row(
        "nodes", "query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }", a_consumer, first_is_target
    ),
    query_row("me", "query Q { me { id } }", the_caller, is_target, scopes=None),
    query_row(
        "users",
        "query Q { users(first: 100) { edges { node { id } } } }",
        a_colleague,
        in_connection,
        scopes=("a technician of plant1", "a technician of plant4"),
    ),
    # Geography above plants is not consumer data: every signed-in user sees all of it.
    query_row(
        "states",
        "query Q { states { id } }",
        a_state,
        in_list,
        scopes=("state1", "state2"),
        out_of_scope=Outcome.ALLOWED,
    ),
    query_row(
        "clusters",
        "query Q { clusters { id } }",
        a_cluster,
        in_list,
        scopes=("cluster1", "cluster3"),
        out_of_scope=Outcome.ALLOWED,
    ),
    query_row(
        "plants", "query Q { plants(first: 100) { edges { node { id } } } }", a_plant, in_connection
    ),
    query_row(
        "consumers",
        "query Q { consumers(first: 100) { edges { node { id } } } }",
        a_consumer,
        in_connection,
    ),
    query_row("packages", "query Q { packages { id } }", a_package, in_list, scopes=None),
    query_row(
        "packageRequests",
        "query Q { packageRequests(first: 100) { edges { node { id } } } }",
        a_request,
        in_connection,
        roles=REQUEST_READERS,
    ),
    query_row(
        "packageRequestCounts",
        "query Q($filter: PackageRequestFilter) {"
        " packageRequestCounts(filter: $filter) { requested } }",
        requests_of_the_plant,
        counted("requested"),
        roles=REQUEST_READERS,
    ),
    query_row(
        "packageActivitySummary",
        "query Q($range: DateRange!) {"
        " packageActivitySummary(range: $range) { rows { plant { id } } } }",
        todays_plant,
        plant_in_summary,
        roles=SUMMARY_READERS,
    ),
    # Notifications are personal: nobody, an ADMIN neither, sees another user's.
    query_row(
        "notifications",
        "query Q { notifications(first: 100) { edges { node { id } } } }",
        a_notification,
        in_connection,
        scopes=OWN_SCOPES,
        everywhere=frozenset(),
    ),
    # The runner asks FILTERED cells before ALLOWED ones: out of scope, the caller has
    # no notification yet, so the count shows whether another user's was counted.
    query_row(
        "unreadNotificationCount",
        "query Q { unreadNotificationCount }",
        a_notification,
        counted(),
        scopes=OWN_SCOPES,
        everywhere=frozenset(),
    ),
    query_row("products", "query Q { products { id } }", a_product, in_list, scopes=None),
    query_row(
        "inventory",
        "query Q { inventory(first: 100) { edges { node { id } } } }",
        a_product,
        in_connection,
        scopes=None,
    ),
    query_row(
        "inventoryOverview",
        "query Q { inventoryOverview { productCount } }",
        a_product,
        counted("productCount"),
        scopes=None,
    ),
    query_row(
        "warehouses",
        "query Q { warehouses { id } }",
        a_warehouse,
        in_list,
        scopes=STATE_SCOPES,
        out_of_scope=Outcome.ALLOWED,
    ),
    query_row(
        "purchaseRequests",
        "query Q { purchaseRequests(first: 100) { edges { node { id } } } }",
        a_purchase_request,
        in_connection,
        roles=PURCHASE_REQUESTERS,
        scopes=STATE_SCOPES,
    ),
    query_row("schemes", "query Q { schemes { id } }", a_scheme, in_list, scopes=None),
    query_row(
        "schemeEnrollments",
        "query Q { schemeEnrollments(first: 100) { edges { node { id } } } }",
        an_enrollment,
        in_connection,
        roles=SCHEME_READERS,
    ),
    query_row(
        "schemeEnrollmentByCode",
        "query Q($code: String!) { schemeEnrollmentByCode(code: $code) { id } }",
        an_enrollment,
        is_target,
        roles=SCHEME_READERS,
    ),
    query_row(
        "schemeStats",
        "query Q($range: DateRange!) { schemeStats(range: $range) { scheme { id } enrollments } }",
        todays_scheme,
        scheme_with_enrolments,
        roles=SCHEME_READERS,
    ),
]


# --- Sign-in (no token needed; the token sent plays no part) ---------------------------


async def a_login(env: Env, caller: Caller, scope: Scope) -> Cell:
    user = env.world.users["inactive" if scope is Scope.OUT else "csa1"]
    return given({"login": user.email, "password": PASSWORD})


async def a_refresh_token(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {"refreshToken": await env.refresh_token("inactive" if scope is Scope.OUT else "csa1")}
    )


async def a_session_to_end(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"refreshToken": await env.refresh_token("csa1")})


ACCOUNT_SCOPES = ("an active user's", "a deactivated user's")

SIGN_IN = [
    mutation_row(
        "login",
        a_login,
        roles=None,
        scopes=ACCOUNT_SCOPES,
        out_of_scope=Outcome.FORBIDDEN,
        everywhere=frozenset(),
        # Every failed sign-in is recorded, for the throttle.
        refusal_writes=frozenset({"sign_in_attempts"}),
    ),
    mutation_row(
        "refreshToken",
        a_refresh_token,
        roles=None,
        scopes=ACCOUNT_SCOPES,
        out_of_scope="INVALID_CREDENTIALS",
        everywhere=frozenset(),
        # A refused refresh marks the token used and ends its session, on purpose.
        refusal_writes=frozenset({"refresh_tokens"}),
    ),
    mutation_row(
        "logout", a_session_to_end, roles=None, scopes=None, selection="ok " + MUTATION_ERRORS
    ),
]


# --- Administration (ADMIN only; no scope) ---------------------------------------------


def admin_row(field: str, prepare: Prepare) -> Row:
    return mutation_row(field, prepare, roles=ADMIN_ONLY, scopes=None)


async def new_user(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "name": name(),
            "phone": f"+9196{serial():08d}",
            "role": "TECHNICIAN",
            "password": PASSWORD,
            "plantIds": [env.plant(Scope.IN)],
        }
    )


async def renamed_user(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": env.user("tech4"), "name": name()})


async def new_state(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"code": code("MS"), "name": name()})


async def renamed_state(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": env.state(Scope.OUT), "name": name()})


async def new_cluster(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"stateId": env.state(Scope.IN), "code": code("MC"), "name": name()})


async def renamed_cluster(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": env.cluster(Scope.OUT), "name": name()})


async def new_plant(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"clusterId": env.cluster(Scope.IN), "code": code("MP"), "name": name()})


async def renamed_plant(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": env.plant(Scope.OUT), "name": name()})


async def new_consumer(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "plantId": env.plant(Scope.IN),
            "packageId": env.package(),
            "accountNumber": code("MX-"),
            "name": name(),
            "phone": f"+9195{serial():08d}",
        }
    )


async def renamed_consumer(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": env.consumer(Scope.OUT), "name": name()})


async def new_package(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "code": code("MPKG"),
            "name": name(),
            "loadWatts": 2000 + serial(),
            "monthlyFee": "75.00",
            "active": True,
        }
    )


async def renamed_package(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": env.package(1), "name": name()})


async def new_product(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "sku": code("MSKU-"),
            "name": name(),
            "type": "FAN",
            "unitPrice": "1500.00",
            "reorderLevel": 5,
            "active": True,
        }
    )


async def renamed_product(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": await env.fan(), "name": name()})


async def new_warehouse(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {"stateId": env.state(Scope.IN), "code": code("MWH-"), "name": name(), "active": True}
    )


async def renamed_warehouse(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": await env.warehouse(Scope.OUT), "name": name()})


async def new_scheme(env: Env, caller: Caller, scope: Scope) -> Cell:
    schemes = await env.schemes()
    return given(
        {
            "code": code("MSCH"),
            "name": name(),
            "type": "STANDARD",
            "productId": gid("Product", schemes.product.id if schemes.product else None),
            "totalPrice": "1200.00",
            "downPayment": "200.00",
            "installmentCount": 10,
            "frequency": "MONTHLY",
            "validFrom": "2020-01-01",
            "stateIds": [env.state(Scope.IN)],
            "active": True,
        }
    )


async def renamed_scheme(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given({"id": await env.scheme_of(Scope.IN), "name": name()})


ADMINISTRATION = [
    admin_row("createUser", new_user),
    admin_row("updateUser", renamed_user),
    admin_row("createState", new_state),
    admin_row("updateState", renamed_state),
    admin_row("createCluster", new_cluster),
    admin_row("updateCluster", renamed_cluster),
    admin_row("createPlant", new_plant),
    admin_row("updatePlant", renamed_plant),
    admin_row("createConsumer", new_consumer),
    admin_row("updateConsumer", renamed_consumer),
    admin_row("createPackage", new_package),
    admin_row("updatePackage", renamed_package),
    admin_row("createProduct", new_product),
    admin_row("updateProduct", renamed_product),
    admin_row("createWarehouse", new_warehouse),
    admin_row("updateWarehouse", renamed_warehouse),
    admin_row("createScheme", new_scheme),
    admin_row("updateScheme", renamed_scheme),
]


# --- Package requests --------------------------------------------------------------------


async def a_consumer_to_upgrade(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "consumerId": await env.fresh_consumer(scope),
            "service": "UPGRADE",
            "requestedPackageId": env.package(1),
        }
    )


def transition(stage: RequestStage, **fields: str) -> Prepare:
    """A fresh request in ``stage`` at the scope's plant; ``assignee`` names which of the
    plant's technicians (0: the one it is assigned to, 1: a colleague) to assign."""

    async def prepare(env: Env, caller: Caller, scope: Scope) -> Cell:
        request = await env.fresh_request(scope, stage)
        input: dict[str, Any] = {"requestId": gid("PackageRequest", request.id)}
        for key, value in fields.items():
            if key == "assignee":
                plant_index = 3 if scope is Scope.OUT else 0
                input["assigneeId"] = await env.technician(TECHNICIANS[plant_index][int(value)])
            else:
                input[key] = value
        return given(input)

    return prepare


REQUESTED, IN_PROCESS, REVIEW = RequestStage.REQUESTED, RequestStage.IN_PROCESS, RequestStage.REVIEW

PACKAGE_REQUESTS = [
    mutation_row("createPackageRequest", a_consumer_to_upgrade, roles=REQUEST_CREATORS),
    mutation_row("assignPackageRequest", transition(REQUESTED, assignee="0"), roles=MANAGERS),
    mutation_row("reassignPackageRequest", transition(IN_PROCESS, assignee="1"), roles=MANAGERS),
    # In scope, the request is assigned to the TECHNICIAN caller: their own assignment.
    mutation_row(
        "rejectPackageRequest",
        transition(IN_PROCESS, reason="Not possible."),
        roles=MANAGERS | {TECHNICIAN},
    ),
    mutation_row(
        "cancelPackageRequest",
        transition(REQUESTED, reason="Customer changed their mind."),
        roles=REQUEST_CREATORS,
    ),
    mutation_row(
        "processPackageRequest",
        transition(IN_PROCESS, note="Done."),
        roles=frozenset({TECHNICIAN}),
    ),
    mutation_row("completePackageRequest", transition(REVIEW, note="Checked."), roles=MANAGERS),
    mutation_row(
        "sendBackPackageRequest", transition(REVIEW, reason="Meter not sealed."), roles=MANAGERS
    ),
]


# --- Notifications, inventory, purchases, schemes ----------------------------------------


async def stock_to_adjust(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "productId": await env.fan(),
            "warehouseId": await env.warehouse(scope),
            "delta": 1,
            "reason": "Found in a recount.",
        }
    )


async def stock_to_transfer(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "productId": await env.fan(),
            "fromWarehouseId": await env.warehouse(scope),
            "toWarehouseId": await env.warehouse(scope, second=True),
            "quantity": 1,
        }
    )


async def stock_to_buy(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {
            "productId": await env.fan(),
            "warehouseId": await env.warehouse(scope),
            "quantity": 3,
            "reason": "Running low.",
        }
    )


def purchase_request(status: PurchaseStatus, **fields: Any) -> Prepare:
    async def prepare(env: Env, caller: Caller, scope: Scope) -> Cell:
        request = await env.fresh_purchase_request(scope, status)
        return given({"purchaseRequestId": request, **fields})

    return prepare


async def a_consumer_to_enrol(env: Env, caller: Caller, scope: Scope) -> Cell:
    return given(
        {"consumerId": await env.fresh_consumer(scope), "schemeId": await env.scheme_of(scope)}
    )


async def a_payment(env: Env, caller: Caller, scope: Scope) -> Cell:
    enrollment = await env.enrollment(scope)
    return given({"enrollmentId": enrollment["id"], "amount": "10.00", "reference": code("RCPT-")})


async def an_enrollment_to_cancel(env: Env, caller: Caller, scope: Scope) -> Cell:
    enrollment = await env.fresh_enrollment(scope)
    return given({"enrollmentId": enrollment["id"], "reason": "Returned unused."})


# Warehouses are catalogue data that everyone may read: acting on one of another state is
# refused with FORBIDDEN, since NOT_FOUND would hide nothing (resolvers/inventory/catalogue.py,
# check_warehouse_in_state). Purchase requests of another state are not readable, so
# acting on one answers NOT_FOUND.
OTHERS = [
    # Marking another user's notification read quietly marks nothing (it does not exist
    # for the caller), for an ADMIN too.
    mutation_row(
        "markNotificationsRead",
        a_notification,
        roles=ALL_ROLES,
        scopes=OWN_SCOPES,
        out_of_scope=Outcome.FILTERED,
        everywhere=frozenset(),
        selection="marked " + MUTATION_ERRORS,
        sees=marked_one,
    ),
    mutation_row(
        "adjustStock",
        stock_to_adjust,
        roles=STOCK_KEEPERS,
        scopes=STATE_SCOPES,
        out_of_scope=Outcome.FORBIDDEN,
    ),
    mutation_row(
        "transferStock",
        stock_to_transfer,
        roles=STOCK_KEEPERS,
        scopes=("between two warehouses of state1", "between two warehouses of state2"),
        out_of_scope=Outcome.FORBIDDEN,
    ),
    mutation_row(
        "createPurchaseRequest",
        stock_to_buy,
        roles=PURCHASE_REQUESTERS,
        scopes=STATE_SCOPES,
        out_of_scope=Outcome.FORBIDDEN,
    ),
    mutation_row(
        "approvePurchaseRequest",
        purchase_request(PurchaseStatus.PENDING),
        roles=PURCHASE_DECIDERS,
        scopes=STATE_SCOPES,
    ),
    mutation_row(
        "rejectPurchaseRequest",
        purchase_request(PurchaseStatus.PENDING, reason="Not this quarter."),
        roles=PURCHASE_DECIDERS,
        scopes=STATE_SCOPES,
    ),
    mutation_row(
        "receivePurchase",
        purchase_request(PurchaseStatus.APPROVED, quantityReceived=10),
        roles=PURCHASE_DECIDERS,
        scopes=STATE_SCOPES,
    ),
    mutation_row("enrollInScheme", a_consumer_to_enrol, roles=ENROLLERS),
    mutation_row("recordSchemePayment", a_payment, roles=ENROLLERS),
    mutation_row("cancelSchemeEnrollment", an_enrollment_to_cancel, roles=ENROLMENT_CANCELLERS),
]

# --- Subscriptions (graphql-transport-ws) --------------------------------------------------
# The table is written; the runner for these rows is not (runner.run_row raises
# NotImplementedError for them). In scope: an event whose target is the row's in-scope
# target is delivered (ALLOWED); out of scope: it never is (FILTERED). A refusal is the
# connection's error message with extensions.code.


async def an_event_to_follow(env: Env, caller: Caller, scope: Scope) -> Cell:
    """A request at the scope's plant that a step is then taken on (by the runner)."""
    return Cell({"plantIds": None}, await env.request(scope))


async def an_assignment(env: Env, caller: Caller, scope: Scope) -> Cell:
    """A request at the scope's plant, to be assigned (by the runner) to the caller in
    scope, or to tech4 out of scope."""
    return Cell({}, await env.request(scope))


# Only technicians are ever assigned requests: other readers may subscribe, and hear nothing.
_NOT_ASSIGNED = (Outcome.FILTERED, "only a technician can be assigned a request")

SUBSCRIPTIONS: list[Row] = [
    Row(
        field="myAssignments",
        kind=Kind.SUBSCRIPTION,
        document="subscription S { myAssignments { cursor kind request { id } } }",
        prepare=an_assignment,
        roles=REQUEST_READERS,
        scopes=("assigned to the caller", "assigned to tech4 at plant4"),
        out_of_scope=Outcome.FILTERED,
        everywhere=frozenset(),
        exceptions={
            (label, Scope.IN): _NOT_ASSIGNED
            for label in ("ADMIN", "STATE_INCHARGE", "CLUSTER_INCHARGE", "CSA")
        },
    ),
    Row(
        field="packageRequestEvents",
        kind=Kind.SUBSCRIPTION,
        document="subscription S($plantIds: [ID!]) {"
        " packageRequestEvents(plantIds: $plantIds) { cursor action request { id } } }",
        prepare=an_event_to_follow,
        roles=REQUEST_READERS,
        scopes=PLANT_SCOPES,
        out_of_scope=Outcome.FILTERED,
    ),
    Row(
        field="notificationAdded",
        kind=Kind.SUBSCRIPTION,
        document="subscription S { notificationAdded { id } }",
        prepare=a_notification,
        roles=ALL_ROLES,
        scopes=OWN_SCOPES,
        out_of_scope=Outcome.FILTERED,
        everywhere=frozenset(),
    ),
]

ROWS: list[Row] = [*QUERIES, *SIGN_IN, *ADMINISTRATION, *PACKAGE_REQUESTS, *OTHERS, *SUBSCRIPTIONS]
ROWS_BY_NAME = {row.name: row for row in ROWS}
