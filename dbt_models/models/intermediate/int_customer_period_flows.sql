-- A view, read by int_segment_flows for the periods it rebuilds: DuckDB pushes that
-- model's period filter through the joins below down to the segment scans, and storing one
-- row per customer and period (the widest table) cost more to write each night than the
-- join costs to run (docs/architecture.md, "Incremental builds").
{{ config(materialized='view') }}

-- Each customer's state at the start (start - 1 day) and end of every period, with the
-- segments at both dates and the orders in the period. Customers lapsed at both ends with
-- no order in the period play no part in any flow and are left out.
with periods as (
    select * from {{ ref('int_periods') }}
),

segments as (
    select * from {{ ref('int_customer_segments') }}
),

segments_at_end as (
    select * from segments
),

segments_at_start as (
    select * from segments
    where as_of_date in (select cast(period_start - interval 1 day as date) from periods)
),

joined as (
    select
        periods.grain,
        periods.period_start,
        periods.period_end,
        at_end.customer_id,
        at_end.acquired_on,
        at_start.customer_id is not null as is_acquired_at_start,
        coalesce(at_start.is_active, false) as is_active_at_start,
        at_end.is_active as is_active_at_end,
        at_end.acquired_on between periods.period_start and periods.period_end
            as is_acquired_in_period,
        at_end.orders_to_date - coalesce(at_start.orders_to_date, 0) as orders_in_period,
        at_end.revenue_to_date - coalesce(at_start.revenue_to_date, 0) as revenue_in_period,
        at_end.revenue_to_date as revenue_to_date_at_end,
        at_end.revenue_in_window as revenue_in_window_at_end,
        at_end.attributed_channel,
        {%- for dimension in segment_dimensions() %}
        at_start.{{ adapter.quote(dimension.name) }} as {{ adapter.quote('start_' ~ dimension.name) }},
        at_end.{{ adapter.quote(dimension.name) }} as {{ adapter.quote('end_' ~ dimension.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from periods
    inner join segments_at_end as at_end
        on at_end.as_of_date = periods.period_end
    left join segments_at_start as at_start
        on at_start.as_of_date = cast(periods.period_start - interval 1 day as date)
        and at_start.customer_id = at_end.customer_id
)

select *
from joined
where is_active_at_start or is_active_at_end or orders_in_period > 0
