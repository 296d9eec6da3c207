{{ config(**incremental_by_keys(
    {'universe': 'int_snapshot_dates', 'columns': ['as_of_date'], 'date_column': 'as_of_date', 'universe_filter': 'is_period_boundary'}
)) }}
{%- set keys = keys_to_replace() %}

-- The segment history behind every flow: one row per customer and period end (and the day
-- before each grain's first period), one column per segment dimension.
-- Incremental by snapshot date (macros/incremental_rebuild.sql).
with segments as (
    select * from {{ ref('int_customer_segments') }}
    where {{ key_filter(keys) }}
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
    {{ loaded_through() }} as _loaded_through
from segments
inner join snapshot_dates on segments.as_of_date = snapshot_dates.as_of_date
