-- Market size behind market_share and market_penetration, per period and segment.
-- A year's market_revenue is spread evenly over its days and summed over the years the
-- period touches (NULL unless every touched year is sized); addressable customers are
-- those of the year the period ends in.
with periods as (
    select * from {{ ref('int_periods') }}
),

market_sizing as (
    select * from {{ ref('market_sizing') }}
),

period_years as (
    select
        periods.grain,
        periods.period_start,
        periods.period_end,
        cast(series.year_start as date) as year_start,
        cast(series.year_start + interval 1 year - interval 1 day as date) as year_end
    from periods,
        generate_series(
            {{ dbt.date_trunc('year', 'periods.period_start') }},
            {{ dbt.date_trunc('year', 'periods.period_end') }},
            interval 1 year
        ) as series (year_start)
),

segments as (
    select distinct segment_dimension, segment from market_sizing
),

year_shares as (
    select
        period_years.grain,
        period_years.period_start,
        period_years.period_end,
        segments.segment_dimension,
        segments.segment,
        market_sizing.market_revenue
            * (date_diff('day', greatest(period_years.period_start, period_years.year_start),
                least(period_years.period_end, period_years.year_end)) + 1)
            / (date_diff('day', period_years.year_start, period_years.year_end) + 1)
            as market_revenue_share
    from period_years
    cross join segments
    left join market_sizing
        on market_sizing.year = year(period_years.year_start)
        and market_sizing.segment_dimension = segments.segment_dimension
        and market_sizing.segment = segments.segment
)

select
    year_shares.grain,
    year_shares.period_start,
    year_shares.segment_dimension,
    year_shares.segment,
    case
        when count(year_shares.market_revenue_share) = count(*)
            then sum(year_shares.market_revenue_share)
    end as market_revenue,
    any_value(addressable.addressable_customers) as addressable_customers
from year_shares
left join market_sizing as addressable
    on addressable.year = year(year_shares.period_end)
    and addressable.segment_dimension = year_shares.segment_dimension
    and addressable.segment = year_shares.segment
group by all
