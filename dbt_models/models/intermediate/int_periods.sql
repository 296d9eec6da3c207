-- Every period of every grain from the first activity to the watermark's period.
-- A period is [period_start, period_end], both inclusive; weeks are ISO (Monday start).
-- as_of_end: the date the state "at end" is taken on - period_end, or, for the open period,
-- the watermark (its provisional figures are period-to-date; docs/decisions.md).
with watermark as (
    select * from {{ ref('int_watermark') }}
),

first_activity as (
    select least(
        (select min(order_date) from {{ ref('int_orders') }}),
        (select min(created_on) from {{ ref('stg_crm__leads') }}),
        (select min(spend_date) from {{ ref('int_marketing_spend') }}),
        (select min(submitted_on) from {{ ref('stg_surveys__responses') }})
    ) as first_day
),

bounds as (
    select
        first_activity.first_day,
        -- the watermark day itself may hold no data yet; its period is the open one
        greatest(watermark.watermark, first_activity.first_day) as last_day,
        watermark.watermark
    from first_activity
    cross join watermark
    where first_activity.first_day is not null
),

periods as (
    {% for grain in var('grains') %}
    select
        '{{ grain }}' as grain,
        cast(period_start as date) as period_start,
        cast(period_start + interval 1 {{ grain }} - interval 1 day as date) as period_end,
        cast(period_start - interval 1 {{ grain }} as date) as previous_period_start
    from bounds,
        generate_series(
            {{ dbt.date_trunc(grain, 'bounds.first_day') }},
            {{ dbt.date_trunc(grain, 'bounds.last_day') }},
            interval 1 {{ grain }}
        ) as series (period_start)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    periods.grain,
    periods.period_start,
    periods.period_end,
    periods.previous_period_start,
    periods.period_end < bounds.watermark as is_closed,
    least(periods.period_end, bounds.last_day) as as_of_end
from periods
cross join bounds
