"""What each enum value means, for the enums whose Python definitions (in models/ and
resolvers/, which know nothing of GraphQL) cannot carry it; applied by
``schema.descriptions`` where a value has no description of its own."""

from __future__ import annotations

ENUM_VALUES: dict[str, dict[str, str]] = {
    "ErrorCode": {
        "VALIDATION": "The input is not acceptable as sent; `field` says which part.",
        "NOT_FOUND": "Nothing with that id in your scope.",
        "FORBIDDEN": "Your role or scope may not do this.",
        "UNAUTHENTICATED": "Sign in first (no valid access token).",
        "INVALID_CREDENTIALS": "Wrong login or password.",
        "CONFLICT": "Someone changed it since you read it: read it again, then retry.",
        "INVALID_TRANSITION": "Not possible from the current stage or status.",
        "OUT_OF_STOCK": "Not enough stock available for this.",
        "DUPLICATE": "It exists already (a unique code, number or reference).",
        "TOO_MANY_ATTEMPTS": "Too many attempts: wait `retryAfterSeconds`, then try again.",
        "SUBSCRIBER_TOO_SLOW": "A live subscription fell behind and was ended: subscribe "
        "again with your last cursor.",
        "EVENTS_UNAVAILABLE": "Live events are unavailable for a moment: subscribe again "
        "with your last cursor shortly.",
        "SERVER_SHUTTING_DOWN": "The server is restarting: subscribe again with your last cursor.",
    },
    "Role": {
        "OPERATOR": "Runs one plant.",
        "TECHNICIAN": "Does the field work at the plants assigned.",
        "CSA": "Customer service agent: registers consumers and requests at the plants assigned.",
        "CLUSTER_INCHARGE": "Manages the plants of one cluster.",
        "STATE_INCHARGE": "Manages the clusters of one state.",
        "ADMIN": "Manages everything.",
    },
    "ConsumerStatus": {
        "ACTIVE": "Connected and served.",
        "BANNED": "Barred from service.",
    },
    "ServiceType": {
        "UPGRADE": "To a package with a higher load.",
        "DOWNGRADE": "To a package with a lower load.",
        "DISCONNECTION": "End the connection.",
        "RECONNECTION": "Restore a connection.",
    },
    "RequestStage": {
        "REQUESTED": "Registered, waiting to be assigned.",
        "IN_PROCESS": "Assigned to a technician, who does the work.",
        "REVIEW": "Done by the technician, waiting for approval.",
        "COMPLETED": "Approved: the consumer's package or status has changed.",
        "REJECTED": "Refused, with a reason.",
        "CANCELLED": "Withdrawn, with a reason.",
    },
    "RequestAction": {
        "CREATE": "The request was registered.",
        "ASSIGN": "It was assigned to a technician.",
        "REASSIGN": "It was given to another technician.",
        "PROCESS": "The technician finished the work (to REVIEW).",
        "COMPLETE": "The work was approved (to COMPLETED).",
        "SEND_BACK": "The work was not approved: back to the technician.",
        "REJECT": "The request was refused.",
        "CANCEL": "The request was withdrawn.",
    },
    "AssignmentKind": {
        "ASSIGNED": "A request was assigned to you.",
        "REASSIGNED": "A request of yours was given to another technician.",
        "SENT_BACK": "Your work on a request was sent back to you.",
        "UNASSIGNED": "A request is no longer yours.",
        "REJECTED": "A request assigned to you was refused: the job is off.",
        "CANCELLED": "A request assigned to you was withdrawn: the job is off.",
    },
    "NotificationKind": {
        "REQUEST_ASSIGNED": "A package request was assigned to you.",
        "REQUEST_UNASSIGNED": "A package request is no longer yours.",
        "REQUEST_PROCESSED": "A package request is ready for review.",
        "REQUEST_SENT_BACK": "Your work on a package request was sent back.",
        "REQUEST_COMPLETED": "A package request was completed.",
        "REQUEST_REJECTED": "A package request was refused.",
        "REQUEST_CANCELLED": "A package request was withdrawn.",
        "PURCHASE_REQUESTED": "A purchase request waits for your decision.",
        "PURCHASE_APPROVED": "Your purchase request was approved.",
        "PURCHASE_REJECTED": "Your purchase request was refused.",
    },
    "PackageRequestOrder": {
        "NEWEST_FIRST": "Most recently created first.",
        "OLDEST_FIRST": "Oldest first.",
    },
    "ProductType": {
        "FAN": "A fan.",
        "TELEVISION": "A television.",
        "REFRIGERATOR": "A refrigerator.",
        "LIGHTING": "Lamps and lighting.",
        "IRON": "A clothes iron.",
        "MIXER": "A kitchen mixer.",
        "WATER_PUMP": "A water pump (productive use).",
        "FLOUR_MILL": "A flour mill (productive use).",
        "OTHER": "Anything else.",
    },
    "StockMovementKind": {
        "RECEIPT": "Stock received into a warehouse (a purchase).",
        "ISSUE": "Stock issued out of a warehouse.",
        "TRANSFER_OUT": "Stock sent to another warehouse.",
        "TRANSFER_IN": "Stock received from another warehouse.",
        "ADJUSTMENT": "A correction after a count, with a reason.",
    },
    "PurchaseRequestStatus": {
        "PENDING": "Waiting for the state in-charge's decision.",
        "APPROVED": "Approved: the stock may be received.",
        "REJECTED": "Refused.",
        "RECEIVED": "All the stock asked for has been received.",
    },
    "SchemeType": {
        "STANDARD": "The usual offer.",
        "SUBSIDISED": "Part of the price is paid by a subsidy.",
        "FESTIVE": "A seasonal offer.",
        "PRODUCTIVE_USE": "An appliance that earns an income (a pump, a mill).",
    },
    "InstallmentFrequency": {
        "WEEKLY": "One instalment a week.",
        "MONTHLY": "One instalment a month.",
    },
    "PaymentKind": {
        "DOWN_PAYMENT": "The payment made on enrolling.",
        "INSTALLMENT": "A payment towards the instalments.",
    },
    "RepaymentStatus": {
        "ON_TRACK": "Every instalment due is paid.",
        "BEHIND": "In arrears, for 90 days or less.",
        "DEFAULTED": "In arrears for more than 90 days.",
        "PAID_OFF": "Everything is paid.",
        "CANCELLED": "The enrolment was cancelled: nothing more is owed.",
    },
    "SchemeEnrollmentOrder": {
        "ENROLLED_NEWEST_FIRST": "Most recently enrolled first.",
        "ENROLLED_OLDEST_FIRST": "Earliest enrolled first.",
        "MOST_IN_ARREARS_FIRST": "By the day arrears began, oldest first; enrolments not in "
        "arrears last.",
    },
}

ENUM_TYPES = {
    "InstallmentFrequency": "How often a scheme's instalments fall due.",
    "PaymentKind": "What a scheme payment pays for.",
    "SchemeEnrollmentOrder": "The orders of the scheme enrolment list.",
}
