{{ config(**incremental_by_keys(
    {'universe': 'int_snapshot_dates', 'columns': ['as_of_date'], 'date_column': 'as_of_date',
     'rows_from': {'model': 'int_customer_measures', 'column': 'as_of_date'},
     'changed_rows': {'key': ['customer_id', 'as_of_date'], 'log': 'segment_changes'}}
)) }}
{%- set keys = keys_to_replace() %}

-- The segment of every acquired customer in every configured dimension on every snapshot
-- date: one column per dimension (dbt_project.yml vars.segment_dimensions).
-- Incremental by snapshot date: a date a change reaches is recomputed for every customer (the
-- scores rank them all), and only the rows that differ are replaced, logged in
-- ops.segment_changes for int_segment_flows (macros/changed_rows.sql).
-- depends_on: {{ ref('int_snapshot_dates') }}, {{ ref('int_customer_measures') }}
with profiles as (
    -- literal date lists, one per run of dates: DuckDB pushes them through the views' joins
    {{ select_on_key_dates(ref('int_customer_profiles'), keys, 'as_of_date') }}
)

select
    customer_id,
    as_of_date,
    acquired_on,
    is_active,
    orders_to_date,
    revenue_to_date,
    revenue_in_window,
    coalesce(acquisition_channel, 'unknown') as attributed_channel,  -- CAC allocation
    {%- for dimension in segment_dimensions() %}
    {{ segment_expression(dimension) }} as {{ adapter.quote(dimension.name) }}{{ "," if not loop.last }}
    {%- endfor %},
    {{ loaded_through() }} as _loaded_through
-- Not sorted: the rows leave the views in the order int_customer_measures stores them (by
-- customer and date; nothing in int_customer_scores or int_customer_profiles sorts them), so
-- the segment columns compress into runs and the serving file copies them fast (at 1M: 800
-- MiB, as when this model sorted its rows itself, a sort that took ~45 s of its ~115 s; 1009
-- MiB in date order, which the serving file took 42 s to copy instead of 26 s). A nightly
-- inserts its rows sorted by customer and date (macros/changed_rows.sql).
from profiles
