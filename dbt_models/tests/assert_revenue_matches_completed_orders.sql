-- Revenue of segment `all` in every period equals completed-order revenue straight from the
-- staged orders (current versions, converted at the order date's rate).
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_segment_kpis'}}}) }}
with kpis as (
    select grain, period_start, period_end, revenue
    from {{ ref('fct_segment_kpis') }}
    where segment_dimension = 'all'
),

daily_revenue as (
    -- summed per day first (exact: decimals), so that the periods join a few hundred days
    -- rather than every order (at 1M: 9M orders, each in four periods)
    select order_date, sum(revenue) as revenue
    from {{ ref('int_orders') }}
    where is_completed
    group by order_date
),

expected as (
    select
        kpis.grain,
        kpis.period_start,
        coalesce(sum(daily_revenue.revenue), 0) as revenue
    from kpis
    left join daily_revenue
        on daily_revenue.order_date between kpis.period_start and kpis.period_end
    group by all
)

select kpis.*, expected.revenue as expected_revenue
from kpis
inner join expected
    on kpis.grain = expected.grain and kpis.period_start = expected.period_start
where abs(kpis.revenue - expected.revenue) > 1e-6
