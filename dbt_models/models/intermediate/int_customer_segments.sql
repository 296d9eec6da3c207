{#- the storage order (below): a full build sorts by it, a nightly inserts in it -#}
{%- set stored_order = "date_trunc('quarter', as_of_date), customer_id, as_of_date" %}
{{ config(**incremental_by_keys(
    {'universe': 'int_snapshot_dates', 'columns': ['as_of_date'], 'date_column': 'as_of_date',
     'rows_from': {'model': 'int_customer_measures', 'column': 'as_of_date'},
     'changed_rows': {'key': ['customer_id', 'as_of_date'], 'log': 'segment_changes',
                      'order_by': stored_order}}
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
from profiles
{%- if not is_incremental() %}
-- stored by quarter, then by customer and date: within a quarter a customer's rows are
-- adjacent, so the segment columns compress into runs, and a read of a few dates (every
-- nightly, the marts, publication) skips the other quarters' row groups (at 1M: 863 MiB
-- against 810 by customer alone and 1000 by date; the six models reading it in a nightly 23
-- -> 19 s, one date's rows 1.3 -> 0.65 s; docs/architecture.md)
order by {{ stored_order }}
{%- endif %}
