"""One loader per public data source; each returns ``(table, LoadReport)``."""
