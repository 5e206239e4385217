"""The fixed facts of the demo world: places, names, tariffs, appliances and offers.

Nothing here is random; ``demo.world`` and friends draw from these lists with
the seed's one ``random.Random``. Days are counted back from the seed's ``today`` so
that the demo always looks current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models import InstallmentFrequency, ProductType, SchemeType

SeedSize = Literal["default", "large"]

DEMO_EMAIL_DOMAIN = "demo.gridline"


@dataclass(frozen=True, slots=True)
class SizeSpec:
    """How big a demo world is."""

    states: int
    clusters_per_state: int
    plants: int
    consumers: int
    package_requests: int  # about; the weekly ones of ``demo.activity`` included
    enrollments: int
    purchase_requests_per_state: int


SIZES: dict[SeedSize, SizeSpec] = {
    "default": SizeSpec(
        states=2,
        clusters_per_state=2,
        plants=12,
        consumers=2_000,
        package_requests=600,
        enrollments=150,
        purchase_requests_per_state=8,
    ),
    "large": SizeSpec(
        states=3,
        clusters_per_state=4,
        plants=200,
        consumers=200_000,
        package_requests=50_000,
        enrollments=5_000,
        purchase_requests_per_state=40,
    ),
}


# --- Places ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """A cluster, named after its district; ``code`` is the district's short code."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class WarehouseSpec:
    """A warehouse of a state; the first of each state is its main warehouse."""

    code: str
    name: str
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class StateSpec:
    """A state with the districts (clusters) and warehouses the company has there."""

    code: str
    name: str
    clusters: tuple[ClusterSpec, ...]
    warehouses: tuple[WarehouseSpec, WarehouseSpec]


STATES: tuple[StateSpec, ...] = (
    StateSpec(
        "UP",
        "Uttar Pradesh",
        (
            ClusterSpec("BAH", "Bahraich"),
            ClusterSpec("SIT", "Sitapur"),
            ClusterSpec("GON", "Gonda"),
            ClusterSpec("BAR", "Barabanki"),
        ),
        (
            WarehouseSpec(
                "UP-LKO",
                "Lucknow warehouse",
                "Plot 14, Transport Nagar, Kanpur Road, Lucknow 226012",
                26.7606,
                80.8893,
            ),
            WarehouseSpec(
                "UP-BRH",
                "Bahraich depot",
                "Nanpara Road bypass, near Mandi Samiti, Bahraich 271801",
                27.5743,
                81.5959,
            ),
        ),
    ),
    StateSpec(
        "BR",
        "Bihar",
        (
            ClusterSpec("MUZ", "Muzaffarpur"),
            ClusterSpec("SAM", "Samastipur"),
            ClusterSpec("DAR", "Darbhanga"),
            ClusterSpec("VAI", "Vaishali"),
        ),
        (
            WarehouseSpec(
                "BR-PAT",
                "Patna warehouse",
                "Bihta Industrial Area, Patna 801103",
                25.5626,
                84.8696,
            ),
            WarehouseSpec(
                "BR-MZF",
                "Muzaffarpur depot",
                "Bela Industrial Area, Phase II, Muzaffarpur 842005",
                26.1425,
                85.3943,
            ),
        ),
    ),
    StateSpec(
        "JH",
        "Jharkhand",
        (
            ClusterSpec("RAN", "Ranchi"),
            ClusterSpec("KHU", "Khunti"),
            ClusterSpec("GUM", "Gumla"),
            ClusterSpec("LOH", "Lohardaga"),
        ),
        (
            WarehouseSpec(
                "JH-RNC",
                "Ranchi warehouse",
                "Tupudana Industrial Area, Ranchi 835221",
                23.2925,
                85.3364,
            ),
            WarehouseSpec(
                "JH-GML",
                "Gumla depot",
                "Palkot Road, Gumla 835207",
                23.0441,
                84.5379,
            ),
        ),
    ),
)

# Plants are named after their villages; the suffixes (small, big, old) are how real
# villages of one name are told apart, and give the large world 200 distinct names.
VILLAGES: tuple[str, ...] = (
    "Rampur", "Bhagwanpur", "Madhopur", "Shivpur", "Chandpur", "Lalganj", "Fatehpur",
    "Kishanpur", "Sultanpur", "Hasanpur", "Nayagaon", "Belwa", "Dhanpur", "Sonbarsa",
    "Harinagar", "Pipra", "Barhara", "Jagdishpur", "Mahuawa", "Kothi", "Parsauni", "Semra",
    "Tilakpur", "Ramnagar", "Khajuri", "Bishunpur", "Gopalpur", "Kusumi", "Amarpur",
    "Raipur", "Sarai", "Bariarpur", "Daulatpur", "Mirzapur", "Nawada", "Bakhri", "Chakia",
    "Dumra", "Jalalpur", "Karhi", "Lakhanpur", "Manjhaul", "Narayanpur", "Pachrukhi",
    "Rajpur", "Salempur", "Tarapur", "Udaipur", "Basantpur", "Harpur",
)  # fmt: skip
VILLAGE_SUFFIXES: tuple[str, ...] = ("", " Khurd", " Kalan", " Buzurg")


# --- People ---------------------------------------------------------------------------

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Ramesh", "Suresh", "Mahesh", "Rajesh", "Dinesh", "Mukesh", "Santosh", "Sanjay", "Vijay",
    "Ajay", "Manoj", "Anil", "Sunil", "Pankaj", "Rakesh", "Arvind", "Ravi", "Amit", "Deepak",
    "Ashok", "Raju", "Shyam", "Mohan", "Sohan", "Gopal", "Birendra", "Dharmendra", "Jitendra",
    "Lalan", "Umesh", "Imran", "Irfan", "Shahid", "Aftab", "Budhram", "Somra", "Etwa",
)  # fmt: skip
FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Sita", "Gita", "Sunita", "Anita", "Savita", "Rekha", "Pooja", "Priya", "Neha", "Kiran",
    "Manju", "Meena", "Sarita", "Rinki", "Pinki", "Kavita", "Usha", "Asha", "Radha",
    "Lakshmi", "Shanti", "Kamla", "Phoolmati", "Rubi", "Nazia", "Salma", "Sukhmani", "Jasmita",
)  # fmt: skip
SURNAMES: tuple[str, ...] = (
    "Yadav", "Kumar", "Singh", "Prasad", "Mahto", "Sah", "Gupta", "Sharma", "Verma", "Mishra",
    "Tiwari", "Pandey", "Chaudhary", "Maurya", "Kushwaha", "Nishad", "Paswan", "Ram", "Rajak",
    "Manjhi", "Sahu", "Thakur", "Jha", "Oraon", "Munda", "Ansari", "Khan", "Mandal", "Lakra",
    "Tirkey",
)  # fmt: skip
# Married women in these states are often known as "<first name> Devi".
FEMALE_SURNAME = "Devi"
SHOP_KINDS: tuple[str, ...] = (
    "Kirana Store", "General Store", "Mobile Repair", "Tailors", "Medical Hall", "Tea Stall",
    "Cycle Works", "Hardware", "Sweets", "Photocopy Centre",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NamedUserSpec:
    """One of the six demo logins that form the workflow chain."""

    local_part: str
    name: str


NAMED_ADMIN = NamedUserSpec("admin", "Anjali Mehta")
NAMED_STATE_INCHARGE = NamedUserSpec("state", "Rajesh Kumar Singh")
NAMED_CLUSTER_INCHARGE = NamedUserSpec("cluster", "Sunil Yadav")
NAMED_CSA = NamedUserSpec("csa", "Pooja Verma")
NAMED_TECHNICIAN = NamedUserSpec("tech", "Ramesh Mahto")
NAMED_OPERATOR = NamedUserSpec("operator", "Santosh Kumar")
# The plants (1-based, within cluster 1) where the named field staff work.
NAMED_CSA_PLANTS = (1, 2)
NAMED_TECHNICIAN_PLANTS = (1, 2)
NAMED_OPERATOR_PLANTS = (1,)
# A deactivated account, so that user management has one to show.
FORMER_TECHNICIAN = NamedUserSpec("former.tech", "Vinod Paswan")


# --- Catalogue ------------------------------------------------------------------------

PAISE_PER_RUPEE = 100


@dataclass(frozen=True, slots=True)
class PackageSpec:
    """A tariff and how common it is among new connections (``weight``)."""

    code: str
    name: str
    load_watts: int
    monthly_fee_rupees: int
    active: bool
    weight: int


PACKAGES: tuple[PackageSpec, ...] = (
    PackageSpec("BASIC-50", "Basic 50 W", 50, 150, active=True, weight=30),
    PackageSpec("HOME-100", "Home 100 W", 100, 250, active=True, weight=35),
    PackageSpec("HOME-250", "Home Plus 250 W", 250, 500, active=True, weight=20),
    PackageSpec("SHOP-500", "Shop 500 W", 500, 950, active=True, weight=9),
    PackageSpec("BIZ-1000", "Business 1 kW", 1000, 1800, active=True, weight=4),
    # Closed to new connections; early consumers are still on it.
    PackageSpec("LEGACY-75", "Legacy 75 W (closed)", 75, 200, active=False, weight=2),
)
# Shops draw more load than homes: their first package is one of these.
SHOP_PACKAGE_CODES = ("HOME-250", "SHOP-500", "BIZ-1000")


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """An appliance; heavy ones are stocked only at each state's main warehouse."""

    sku: str
    name: str
    product_type: ProductType
    unit_price_rupees: int
    reorder_level: int
    main_warehouse_only: bool = False
    active: bool = True


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("FAN-CEIL-1200", "Ceiling fan 1200 mm", ProductType.FAN, 2_200, 20),
    ProductSpec("FAN-TABLE-400", "Table fan 400 mm", ProductType.FAN, 1_500, 15),
    ProductSpec("TV-LED-24", "24-inch LED TV", ProductType.TELEVISION, 8_500, 8),
    ProductSpec("TV-LED-32", "32-inch LED TV", ProductType.TELEVISION, 12_500, 5),
    ProductSpec("FRIDGE-190L", "190 L refrigerator", ProductType.REFRIGERATOR, 14_000, 5, True),
    ProductSpec("LED-KIT-4", "LED bulb kit (4 x 9 W)", ProductType.LIGHTING, 560, 50),
    ProductSpec("LED-TUBE-20", "LED tube light 20 W", ProductType.LIGHTING, 350, 40),
    ProductSpec("IRON-1000", "Dry iron 1000 W", ProductType.IRON, 900, 10),
    ProductSpec("MIXER-500", "Mixer grinder 500 W", ProductType.MIXER, 2_800, 8),
    ProductSpec("PUMP-1HP", "Water pump 1 HP", ProductType.WATER_PUMP, 16_000, 3, True),
    ProductSpec(
        "MILL-3HP", "Flour mill (atta chakki) 3 HP", ProductType.FLOUR_MILL, 42_000, 2, True
    ),
    ProductSpec(
        "CFL-15", "CFL bulb 15 W (discontinued)", ProductType.LIGHTING, 120, 0, active=False
    ),
)

# Kept low on stock, so that the low-stock filter always has something to show: one
# product short everywhere (all its units together at or below its reorder level), and
# one more short in each state (in the order of STATES). None of them is sold on a scheme,
# so no cancelled enrolment brings a unit back.
SCARCE_SKU = "TV-LED-32"
LOW_IN_STATE_SKUS = ("MIXER-500", "IRON-1000", "FAN-TABLE-400")


@dataclass(frozen=True, slots=True)
class SchemeSpec:
    """An offer. Its window is relative to today: ``valid_to_days_ahead`` None is open-ended,
    negative means it has ended. ``state_codes`` None offers it in every state."""

    code: str
    name: str
    scheme_type: SchemeType
    product_sku: str
    total_price_rupees: int
    down_payment_rupees: int
    installment_count: int
    frequency: InstallmentFrequency
    valid_from_days_ago: int
    valid_to_days_ahead: int | None
    state_codes: tuple[str, ...] | None
    weight: int


SCHEMES: tuple[SchemeSpec, ...] = (
    SchemeSpec(
        "SCH-FAN", "Ghar Ghar Pankha", SchemeType.STANDARD, "FAN-CEIL-1200",
        2_600, 500, 6, InstallmentFrequency.MONTHLY, 420, None, None, weight=30,
    ),
    SchemeSpec(
        "SCH-LED", "Ujala LED Kit", SchemeType.SUBSIDISED, "LED-KIT-4",
        480, 80, 8, InstallmentFrequency.WEEKLY, 500, None, None, weight=25,
    ),
    SchemeSpec(
        "SCH-TV", "Rangeen TV Festive Offer", SchemeType.FESTIVE, "TV-LED-24",
        9_600, 1_600, 12, InstallmentFrequency.MONTHLY, 240, 45, ("UP", "BR"), weight=20,
    ),
    SchemeSpec(
        "SCH-FRIDGE", "Thanda Fridge", SchemeType.STANDARD, "FRIDGE-190L",
        15_600, 2_600, 18, InstallmentFrequency.MONTHLY, 360, None, ("UP", "JH"), weight=10,
    ),
    SchemeSpec(
        "SCH-MILL", "Atta Chakki Udyam", SchemeType.PRODUCTIVE_USE, "MILL-3HP",
        46_000, 9_000, 52, InstallmentFrequency.WEEKLY, 400, None, None, weight=4,
    ),
    SchemeSpec(
        "SCH-PUMP", "Kisan Pump Monsoon Offer", SchemeType.PRODUCTIVE_USE, "PUMP-1HP",
        18_000, 3_000, 26, InstallmentFrequency.WEEKLY, 700, -250, ("UP", "BR"), weight=11,
    ),
)  # fmt: skip


# --- Words for notes ------------------------------------------------------------------

REQUEST_NOTES: dict[str, tuple[str, ...]] = {
    "UPGRADE": (
        "Bought a TV; the limiter trips in the evening.",
        "Opening a small shop at home, needs more load.",
        "Wants to run a fridge.",
        "New fan and a mixer; asks for a bigger package.",
    ),
    "DOWNGRADE": (
        "Bills too high after the harvest failed.",
        "Shop closed; only lights and a fan now.",
        "Family moved to the city; one room in use.",
    ),
    "DISCONNECTION": (
        "Three months unpaid; notice served.",
        "Customer is moving away.",
        "Meter tampering found on inspection.",
    ),
    "RECONNECTION": (
        "Dues cleared at the plant office.",
        "Customer back in the village; paid the reconnection fee.",
    ),
}
SEND_BACK_REASONS: tuple[str, ...] = (
    "Photo of the new limiter setting is missing.",
    "Meter reading not recorded.",
    "Customer signature missing on the form.",
)
REJECT_REASONS: tuple[str, ...] = (
    "Feeder at capacity; cannot add load this month.",
    "Customer has unpaid dues.",
    "Duplicate of an earlier request.",
    "Customer not reachable at the address.",
)
CANCEL_REASONS: tuple[str, ...] = (
    "Customer changed their mind.",
    "Raised by mistake for the wrong account.",
)
PROCESS_NOTES: dict[str, str] = {
    "UPGRADE": "Limiter raised and tested.",
    "DOWNGRADE": "Limiter lowered and sealed.",
    "DISCONNECTION": "Service wire disconnected; meter sealed.",
    "RECONNECTION": "Service wire reconnected; supply checked.",
}
# A customer disconnected for not paying their scheme instalments (``demo.arrears``).
ARREARS_DISCONNECTION_NOTE = "Scheme instalments unpaid for weeks; notice served."
