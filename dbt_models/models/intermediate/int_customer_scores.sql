-- A view: read once, by the next model; storing it would only grow the warehouse.
{{ config(materialized='view') }}

-- Every measure of int_customer_measures with the RFM scores and value tier on every snapshot
-- date (kpis.md, Segments). The measures pass through so that int_customer_profiles reads this
-- view alone: a date filter on it then reaches the measures scan through the windows (which
-- partition by date); joined to the measures a second time, it would rank every date.
-- Scores: least(5, 1 + floor(5 * percent_rank())), ordered so that higher is better; equal
-- measures share a score. value_tier: cume_dist() of window revenue, descending, among the
-- customers active at d; acquired customers not active at d are 'lapsed'.
{%- set buckets = var('rfm_score_buckets') %}
with measures as not materialized (
    -- read three times (the scores and two value counts): scanned each time, not spooled
    select * from {{ ref('int_customer_measures') }}
),

-- Recency and frequency take a few hundred distinct values a date: their percent_rank is
-- counted per value, (customers ranked before it) / (customers - 1), and joined back, instead
-- of sorting every customer (at 1M, full build: two sorts of 55M rows). The same doubles as
-- percent_rank(): the same integers divided alike.
recency_values as (
    select
        as_of_date,
        as_of_date - last_order_on as days_since_last_order,
        count(*) as customers
    from measures
    group by all
),

frequency_values as (
    select
        as_of_date,
        orders_to_date,
        count(*) as customers
    from measures
    group by all
),

recency_ranks as (
    {{ percent_rank_of_values('recency_values', 'days_since_last_order desc') }}
),

frequency_ranks as (
    {{ percent_rank_of_values('frequency_values', 'orders_to_date asc') }}
),

scored as (
    select
        measures.*,
        cast(least({{ buckets }}, 1 + floor({{ buckets }} * recency_ranks.percent_rank)) as integer)
            as recency_score,
        cast(least({{ buckets }}, 1 + floor({{ buckets }} * frequency_ranks.percent_rank)) as integer)
            as frequency_score,
        cast(least({{ buckets }}, 1 + floor({{ buckets }} * percent_rank() over (
            partition by measures.as_of_date order by round(measures.revenue_to_date, 6) asc
        ))) as integer) as monetary_score,
        case
            when measures.is_active then cume_dist() over (
                partition by measures.as_of_date, measures.is_active
                order by round(measures.revenue_in_window, 6) desc
            )
        end as window_revenue_cume_dist
    from measures
    -- every row finds its value (a NULL too: grouped and ranked like the windows do)
    inner join recency_ranks
        on measures.as_of_date = recency_ranks.as_of_date
        and measures.as_of_date - measures.last_order_on
            is not distinct from recency_ranks.days_since_last_order
    inner join frequency_ranks
        on measures.as_of_date = frequency_ranks.as_of_date
        and measures.orders_to_date is not distinct from frequency_ranks.orders_to_date
)

select
    customer_id,
    as_of_date,
    acquired_on,
    last_order_on,
    orders_to_date,
    revenue_to_date,
    orders_in_window,
    revenue_in_window,
    is_active,
    usage_category,
    recency_score,
    frequency_score,
    monetary_score,
    case
    {%- for rule in var('rfm_segments') %}
        when true
            {%- if rule.r_min is defined %} and recency_score >= {{ rule.r_min }}{% endif %}
            {%- if rule.r_max is defined %} and recency_score <= {{ rule.r_max }}{% endif %}
            {%- if rule.f_min is defined %} and frequency_score >= {{ rule.f_min }}{% endif %}
            {%- if rule.f_max is defined %} and frequency_score <= {{ rule.f_max }}{% endif %}
            then '{{ rule.segment }}'
    {%- endfor %}
    end as rfm_segment,
    window_revenue_cume_dist,
    case
        when not is_active then 'lapsed'
        when window_revenue_cume_dist <= {{ var('value_tier_high_max_cume_dist') }} then 'high'
        when window_revenue_cume_dist <= {{ var('value_tier_mid_max_cume_dist') }} then 'mid'
        else 'low'
    end as value_tier
from scored
