-- A view: the rows are int_customer_segments' (already stored, incremental), on the period
-- boundary dates; storing them again would cost a nightly rewrite and warehouse space.
{{ config(materialized='view') }}

-- The segment history behind every flow: one row per customer and period end (and the day
-- before each grain's first period), one column per segment dimension.
with segments as (
    select * from {{ ref('int_customer_segments') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
    where is_period_boundary
)

select
    segments.customer_id,
    segments.as_of_date,
    segments.is_active,
    segments.acquired_on,
    {%- for dimension in segment_dimensions() %}
    segments.{{ adapter.quote(dimension.name) }},
    {%- endfor %}
    segments._loaded_through
from segments
inner join snapshot_dates on segments.as_of_date = snapshot_dates.as_of_date
