-- A view, read by int_segment_flows for the periods it rebuilds: DuckDB pushes that
-- model's period filter through the joins below down to the segment scans, and storing one
-- row per customer and period (the widest table) cost more to write each night than the
-- join costs to run (docs/architecture.md, "Incremental builds").
{{ config(materialized='view') }}

-- Each customer's state at the start (start - 1 day) and end of every period, with the
-- segments at both dates and the orders in the period (macros/segment_flows.sql).
{{ customer_period_flows(ref('int_periods'), ref('int_customer_segments')) }}
