"""Storage: the schema, its migrations, the database connections and every query."""
