"""GraphQL types and fields of inventory: products, warehouses, stock, purchases."""
