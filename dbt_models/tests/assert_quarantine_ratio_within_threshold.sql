-- Blocking: a drop whose share of quarantined rows exceeds vars.max_quarantine_ratio stops
-- publication (a broken extract should not silently shrink the KPIs).
{{ config(severity='error') }}

select
    drop_date,
    source,
    entity,
    rows_read,
    rows_quarantined,
    rows_quarantined / rows_read as quarantine_ratio
from {{ ref('fct_drop_reconciliation') }}
where rows_read > 0
    and rows_quarantined / rows_read > {{ var('max_quarantine_ratio') }}
