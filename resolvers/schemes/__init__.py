"""Appliance schemes: enrolment, payments, cancellation, and reading them."""
