{{ config(**incremental_by_keys(
    {'universe': 'int_periods', 'columns': ['grain', 'period_end'], 'date_column': 'period_end'}
)) }}
{%- set keys = keys_to_replace() %}

-- Segment flows per (grain, period, dimension, segment) (kpis.md, Segment flows).
-- Columns counted at the end date group by the segment at end; those counted at the start
-- date (customers_start, churned, retained, migrated_out) by the segment at start.
-- Incremental by period, like int_customer_period_flows.
-- depends_on: {{ ref('int_periods') }}
with customer_flows as (
    select * from {{ ref('int_customer_period_flows') }}
    where {{ key_filter(keys) }}
),

counted as (
    {%- for dimension in segment_dimensions() %}
    {%- set seg_start = adapter.quote('start_' ~ dimension.name) %}
    {%- set seg_end = adapter.quote('end_' ~ dimension.name) %}
    select
        grain,
        period_start,
        period_end,
        '{{ dimension.name }}' as segment_dimension,
        {{ seg_end }} as segment,
        0 as customers_start,
        count(*) filter (where is_active_at_end) as customers_end,
        count(*) filter (where not is_acquired_at_start and is_active_at_end) as new_customers,
        count(*) filter (where is_acquired_in_period) as acquired_customers,
        count(*) filter (
            where is_acquired_at_start and not is_active_at_start and is_active_at_end
        ) as reactivated_customers,
        0 as churned_customers,
        0 as retained_customers,
        count(*) filter (
            where is_active_at_start and is_active_at_end and {{ seg_start }} <> {{ seg_end }}
        ) as migrated_in,
        0 as migrated_out,
        sum(orders_in_period) as orders,
        sum(revenue_in_period) as revenue,
        count(*) filter (where orders_in_period > 0) as buyers,
        sum(revenue_to_date_at_end) filter (where is_active_at_end) as revenue_to_date_of_customers_end,
        sum(revenue_in_window_at_end) as revenue_in_trailing_window
    from customer_flows
    group by all
    union all
    select
        grain,
        period_start,
        period_end,
        '{{ dimension.name }}' as segment_dimension,
        {{ seg_start }} as segment,
        count(*) as customers_start,
        0, 0, 0, 0,
        count(*) filter (where not is_active_at_end) as churned_customers,
        count(*) filter (where is_active_at_end) as retained_customers,
        0,
        count(*) filter (where is_active_at_end and {{ seg_start }} <> {{ seg_end }}) as migrated_out,
        0, 0, 0, 0, 0
    from customer_flows
    where is_active_at_start
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    grain,
    period_start,
    period_end,
    segment_dimension,
    segment,
    cast(sum(customers_start) as bigint) as customers_start,
    cast(sum(customers_end) as bigint) as customers_end,
    cast(sum(new_customers) as bigint) as new_customers,
    cast(sum(acquired_customers) as bigint) as acquired_customers,
    cast(sum(reactivated_customers) as bigint) as reactivated_customers,
    cast(sum(churned_customers) as bigint) as churned_customers,
    cast(sum(retained_customers) as bigint) as retained_customers,
    cast(sum(migrated_in) as bigint) as migrated_in,
    cast(sum(migrated_out) as bigint) as migrated_out,
    cast(sum(orders) as bigint) as orders,
    sum(revenue) as revenue,
    cast(sum(buyers) as bigint) as buyers,
    sum(revenue_to_date_of_customers_end) as revenue_to_date_of_customers_end,
    sum(revenue_in_trailing_window) as revenue_in_trailing_window,
    {{ loaded_through() }} as _loaded_through
from counted
group by grain, period_start, period_end, segment_dimension, segment
