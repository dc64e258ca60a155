"""Regular scheduling through the year (定期调度): figures from the quarterly ledgers in the store, the
progress table and chart, and the ledger's figures proposed on later forms (half-year report, year-end
self-assessment)."""
