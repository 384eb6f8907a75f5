"""Services: one module per capability. They load rows, call the domain, write, and own the transaction."""
