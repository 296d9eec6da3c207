-- Cohort retention by acquisition month and segment at acquisition (the segment at the end
-- of the acquisition month), for k = 0.. months since acquisition up to the watermark's month.
with periods as (
    select * from {{ ref('int_periods') }}
    where grain = 'month'
),

segments as (
    select * from {{ ref('int_customer_segments') }}
),

orders as (
    select * from {{ ref('int_orders') }}
    where is_completed
),

cohort_members as (
    select
        periods.period_start as cohort_month,
        segments.*
    from periods
    inner join segments
        on segments.as_of_date = periods.as_of_end
        and segments.acquired_on between periods.period_start and periods.period_end
),

cohort_sizes as (
    {%- for dimension in segment_dimensions() %}
    select
        '{{ dimension.name }}' as segment_dimension,
        {{ adapter.quote(dimension.name) }} as segment,
        cohort_month,
        count(*) as cohort_size
    from cohort_members
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

customer_months as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month,
        sum(revenue) as revenue
    from orders
    group by all
),

member_months as (
    -- each cohort member's active months with the member's segments: joined once, then counted
    -- per dimension (joined per dimension, it made a row per dimension: at 1M, 50M rows)
    select
        cohort_members.*,
        customer_months.order_month,
        customer_months.revenue as month_revenue
    from cohort_members
    inner join customer_months
        on cohort_members.customer_id = customer_months.customer_id
),

cohort_activity as (
    {%- for dimension in segment_dimensions() %}
    select
        '{{ dimension.name }}' as segment_dimension,
        {{ adapter.quote(dimension.name) }} as segment,
        cohort_month,
        date_diff('month', cohort_month, order_month) as months_since_acquisition,
        count(*) as active_customers,
        sum(month_revenue) as revenue
    from member_months
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

grid as (
    select
        cohort_sizes.*,
        periods.period_start as activity_month,
        periods.is_closed,
        date_diff('month', cohort_sizes.cohort_month, periods.period_start) as months_since_acquisition
    from cohort_sizes
    inner join periods on periods.period_start >= cohort_sizes.cohort_month
)

select
    grid.segment_dimension,
    grid.segment,
    grid.cohort_month,
    grid.months_since_acquisition,
    grid.cohort_size,
    coalesce(cohort_activity.active_customers, 0) as active_customers,
    {{ safe_divide('coalesce(cohort_activity.active_customers, 0)', 'grid.cohort_size') }}
        as retention_rate,
    sum(coalesce(cohort_activity.revenue, 0)) over cohort_to_date as cumulative_revenue,
    {{ safe_divide('sum(coalesce(cohort_activity.revenue, 0)) over cohort_to_date', 'grid.cohort_size') }}
        as cumulative_revenue_per_customer,
    grid.is_closed
from grid
left join cohort_activity
    on grid.segment_dimension = cohort_activity.segment_dimension
    and grid.segment = cohort_activity.segment
    and grid.cohort_month = cohort_activity.cohort_month
    and grid.months_since_acquisition = cohort_activity.months_since_acquisition
window cohort_to_date as (
    partition by grid.segment_dimension, grid.segment, grid.cohort_month
    order by grid.months_since_acquisition
    rows between unbounded preceding and current row
)
