-- A view for analysts: the customer rows int_segment_flows counts, which runs the same macro
-- inline (so that a build of every period can join the segments as ENUMs). Storing one row
-- per customer and period (the widest table) cost more to write each night than the join
-- costs to run (docs/architecture.md, "Incremental builds").
{{ config(materialized='view') }}

-- Each customer's state at the start (start - 1 day) and end of every period, with the
-- segments at both dates and the orders in the period (macros/segment_flows.sql).
{{ customer_period_flows(ref('int_periods'), ref('int_customer_segments')) }}
