-- Rules that turn KPIs into actions (kpis.md, Insights): one row per finding, with the
-- numbers behind it and a plain sentence.
with kpis as (
    select * from {{ ref('fct_segment_kpis') }}
),

attainment as (
    select * from {{ ref('fct_kpi_attainment') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

off_target as (
    select
        grain, period_start, period_end, is_closed, segment_dimension, segment,
        case when status = 'off_track' then 'kpi_off_target' else 'kpi_at_risk' end as rule,
        case when status = 'off_track' then 'high' else 'medium' end as severity,
        kpi,
        actual,
        target as reference_value,
        cast(null as double) as p_value,
        printf('%s for %s = %s is %s: %s against a target of %s (%s is better).',
            kpi, segment_dimension, segment, replace(status, '_', ' '),
            {{ format_kpi('kpi', 'actual') }}, {{ format_kpi('kpi', 'target') }}, direction) as message
    from attainment
    where status in ('off_track', 'at_risk')
),

churn_pairs as (
    select
        current_period.*,
        previous_period.churned_customers as previous_churned,
        previous_period.customers_start as previous_customers_start,
        previous_period.churn_rate as previous_churn_rate,
        {{ safe_divide('current_period.churned_customers + previous_period.churned_customers',
            'current_period.customers_start + previous_period.customers_start') }} as pooled_rate
    from kpis as current_period
    inner join periods
        on current_period.grain = periods.grain
        and current_period.period_start = periods.period_start
    inner join kpis as previous_period
        on current_period.grain = previous_period.grain
        and periods.previous_period_start = previous_period.period_start
        and current_period.segment_dimension = previous_period.segment_dimension
        and current_period.segment = previous_period.segment
    where current_period.churn_rate > previous_period.churn_rate
),

churn_tested as (
    -- two-proportion z-test, two-sided p-value
    select
        *,
        (churn_rate - previous_churn_rate) / nullif(sqrt(pooled_rate * (1 - pooled_rate)
            * (1.0 / customers_start + 1.0 / previous_customers_start)), 0) as z
    from churn_pairs
),

churn_rising as (
    select
        grain, period_start, period_end, is_closed, segment_dimension, segment,
        'churn_rising' as rule,
        'high' as severity,
        'churn_rate' as kpi,
        churn_rate as actual,
        previous_churn_rate as reference_value,
        2 * (1 - {{ normal_cdf('z') }}) as p_value,
        printf('Churn in %s = %s rose from %.1f%% to %.1f%% (p = %.3g): find out why customers leave.',
            segment_dimension, segment, 100 * previous_churn_rate, 100 * churn_rate,
            2 * (1 - {{ normal_cdf('z') }})) as message
    from churn_tested
    where 2 * (1 - {{ normal_cdf('z') }}) < {{ var('insight_churn_max_p_value') }}
),

ltv_to_cac as (
    select
        grain, period_start, period_end, is_closed, segment_dimension, segment,
        case
            when ltv_to_cac < {{ var('insight_ltv_to_cac_low') }} then 'ltv_to_cac_below_1'
            else 'ltv_to_cac_above_3'
        end as rule,
        case when ltv_to_cac < {{ var('insight_ltv_to_cac_low') }} then 'high' else 'low' end as severity,
        'ltv_to_cac' as kpi,
        ltv_to_cac as actual,
        cast(case
            when ltv_to_cac < {{ var('insight_ltv_to_cac_low') }} then {{ var('insight_ltv_to_cac_low') }}
            else {{ var('insight_ltv_to_cac_high') }}
        end as double) as reference_value,
        cast(null as double) as p_value,
        case
            when ltv_to_cac < {{ var('insight_ltv_to_cac_low') }}
                then printf('Acquisition loses money in %s = %s: LTV:CAC is %.2f (CLV %s, CAC %s).',
                    segment_dimension, segment, ltv_to_cac,
                    {{ format_kpi("'clv'", 'clv') }}, {{ format_kpi("'cac'", 'cac') }})
            else printf('Room to invest in %s = %s: LTV:CAC is %.2f (CLV %s, CAC %s).',
                segment_dimension, segment, ltv_to_cac,
                {{ format_kpi("'clv'", 'clv') }}, {{ format_kpi("'cac'", 'cac') }})
        end as message
    from kpis
    where ltv_to_cac < {{ var('insight_ltv_to_cac_low') }}
        or ltv_to_cac > {{ var('insight_ltv_to_cac_high') }}
),

penetration_ranked as (
    select
        *,
        cume_dist() over segments_of_dimension as penetration_cume_dist,
        count(*) over (partition by grain, period_start, segment_dimension) as sized_segments
    from kpis
    where market_penetration is not null and segment_dimension <> 'all'
    window segments_of_dimension as (
        partition by grain, period_start, segment_dimension order by market_penetration
    )
),

low_penetration as (
    select
        grain, period_start, period_end, is_closed, segment_dimension, segment,
        'low_penetration' as rule,
        'medium' as severity,
        'market_penetration' as kpi,
        market_penetration as actual,
        cast(null as double) as reference_value,
        cast(null as double) as p_value,
        printf('Penetration of %s = %s is in the lowest quartile of its dimension (%.2f%% of %d addressable customers).',
            segment_dimension, segment, 100 * market_penetration, addressable_customers) as message
    from penetration_ranked
    where penetration_cume_dist <= 0.25 and sized_segments >= 4
),

clv_ranked as (
    select
        *,
        row_number() over (
            partition by grain, period_start, segment_dimension order by clv desc, segment
        ) as clv_rank
    from kpis
    where clv is not null and segment_dimension <> 'all' and segment <> 'unknown'
),

top_clv as (
    select
        grain, period_start, period_end, is_closed, segment_dimension, segment,
        'top_clv' as rule,
        'info' as severity,
        'clv' as kpi,
        clv as actual,
        cast(clv_rank as double) as reference_value,
        cast(null as double) as p_value,
        printf('%s = %s ranks #%d by CLV (%s per customer): protect and grow it.',
            segment_dimension, segment, clv_rank, {{ format_kpi("'clv'", 'clv') }}) as message
    from clv_ranked
    where clv_rank <= {{ var('insight_top_clv_segments') }}
)

select * from off_target
union all
select * from churn_rising
union all
select * from ltv_to_cac
union all
select * from low_penetration
union all
select * from top_clv
