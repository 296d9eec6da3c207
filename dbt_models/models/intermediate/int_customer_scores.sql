-- A view: read once, by the next model; storing it would only grow the warehouse.
{{ config(materialized='view') }}

-- Every measure of int_customer_measures with the RFM scores and value tier on every snapshot
-- date (kpis.md, Segments). The measures pass through so that int_customer_profiles reads this
-- view alone: a date filter on it then reaches every scan of the measures through the value
-- counts (grouped by date); joined to the measures a second time, it would rank every date.
-- Scores: least(5, 1 + floor(5 * percent_rank())), ordered so that higher is better; equal
-- measures share a score. value_tier: cume_dist() of window revenue, descending, among the
-- customers active at d; acquired customers not active at d are 'lapsed'.
-- Revenues are DECIMAL (scale 4, the order amounts'): equal revenues compare equal exactly.
-- No sort of every row: the rows leave in the order the measures are stored (by customer),
-- which int_customer_segments keeps (at 1M, full build: that model 112-121 s -> 37 s, same
-- rows; docs/architecture.md).
{%- set buckets = var('rfm_score_buckets') %}
with measures as not materialized (
    -- read four times (the scores and three value counts): scanned each time, not spooled
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

-- value_tier from two order statistics of each date's window revenues (macros/
-- cume_dist_bounds.sql): one list per date, sorted, instead of a window sorting every
-- customer-date with all its columns (DECIMAL(18, 4), 64 bits: sorted ~3x faster than the
-- 128-bit DECIMAL(38, 4) sums).
active_revenues as (
    select
        as_of_date,
        list_sort(list(revenue_in_window) filter (where is_active)) as revenues
    from measures
    group by as_of_date
),

tier_bounds as (
    -- a customer active on the date is in the tier when their revenue is above the bound
    -- (NULL: every active customer is)
    select
        as_of_date,
        {{ cume_dist_bound('revenues', var('value_tier_high_max_cume_dist')) }} as high_above,
        {{ cume_dist_bound('revenues', var('value_tier_mid_max_cume_dist')) }} as mid_above
    from active_revenues
),

scored as (
    select
        measures.*,
        cast(least({{ buckets }}, 1 + floor({{ buckets }} * recency_ranks.percent_rank)) as integer)
            as recency_score,
        cast(least({{ buckets }}, 1 + floor({{ buckets }} * frequency_ranks.percent_rank)) as integer)
            as frequency_score,
        -- no default segment reads it: DuckDB leaves this window out unless a query selects it
        cast(least({{ buckets }}, 1 + floor({{ buckets }} * percent_rank() over (
            partition by measures.as_of_date order by measures.revenue_to_date asc
        ))) as integer) as monetary_score,
        case
            when not measures.is_active then 'lapsed'
            when tier_bounds.high_above is null or measures.revenue_in_window > tier_bounds.high_above
                then 'high'
            when tier_bounds.mid_above is null or measures.revenue_in_window > tier_bounds.mid_above
                then 'mid'
            else 'low'
        end as value_tier
    from measures
    -- every row finds its value (a NULL too: grouped and ranked like the windows do)
    inner join recency_ranks
        on measures.as_of_date = recency_ranks.as_of_date
        and measures.as_of_date - measures.last_order_on
            is not distinct from recency_ranks.days_since_last_order
    inner join frequency_ranks
        on measures.as_of_date = frequency_ranks.as_of_date
        and measures.orders_to_date is not distinct from frequency_ranks.orders_to_date
    -- every date of the measures has its row (an inner join lets a date filter reach it)
    inner join tier_bounds on measures.as_of_date = tier_bounds.as_of_date
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
    value_tier
from scored
