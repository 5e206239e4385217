"""What inventory operations do: the catalogue of products and warehouses, stock, purchases."""
