"""Packages: the tariff catalogue, and package requests with their approval workflow."""
