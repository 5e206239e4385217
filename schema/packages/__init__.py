"""GraphQL of packages: the tariff catalogue, and package requests with their workflow."""
