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
from profiles
{%- if not is_incremental() %}
-- stored sorted by customer: the segment columns then compress into runs and the serving
-- file copies them faster (at 1M: 799 MiB; 1009 MiB in the date order the views leave, 872 MiB
-- clustered by the ASOF join used before); a nightly inserts its rows in this order too
-- (macros/changed_rows.sql)
order by customer_id, as_of_date
{%- endif %}
