-- Marketing spend allocated to segments (kpis.md, cac): a channel's spend in a period is
-- split over the segments in proportion to that channel's acquired customers in the period
-- (segment at period end: as_of_end). Spend of a channel with no acquisitions stays unallocated.
with periods as (
    select * from {{ ref('int_periods') }}
),

spend as (
    select * from {{ ref('int_marketing_spend') }}
),

segments as (
    select * from {{ ref('int_customer_segments') }}
),

acquired as (
    -- the customers acquired in the period, with their segments at its end
    select
        periods.grain,
        periods.period_start,
        segments.attributed_channel,
        {%- for dimension in segment_dimensions() %}
        segments.{{ adapter.quote(dimension.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from periods
    inner join segments
        on segments.as_of_date = periods.as_of_end
        and segments.acquired_on between periods.period_start and periods.period_end
),

channel_spend as (
    select
        periods.grain,
        periods.period_start,
        spend.channel,
        sum(spend.spend) as spend
    from periods
    inner join spend on spend.spend_date between periods.period_start and periods.period_end
    group by all
),

channel_acquisitions as (
    select
        grain,
        period_start,
        attributed_channel as channel,
        count(*) as acquired_customers
    from acquired
    group by all
),

period_totals as (
    select
        channel_spend.grain,
        channel_spend.period_start,
        sum(channel_spend.spend) as total_spend,
        coalesce(sum(channel_spend.spend) filter (
            where channel_acquisitions.channel is null
        ), 0) as unallocated_spend
    from channel_spend
    left join channel_acquisitions
        on channel_spend.grain = channel_acquisitions.grain
        and channel_spend.period_start = channel_acquisitions.period_start
        and channel_spend.channel = channel_acquisitions.channel
    group by all
),

segment_channel_acquisitions as (
    {%- for dimension in segment_dimensions() %}
    select
        grain,
        period_start,
        '{{ dimension.name }}' as segment_dimension,
        {{ adapter.quote(dimension.name) }} as segment,
        attributed_channel as channel,
        count(*) as acquired_customers
    from acquired
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

allocated as (
    -- each (segment, channel) share is rounded to DECIMAL so that the sums are exact and
    -- repeatable (a double sum's order, and so its last bits, can differ between runs)
    select
        segment_channel_acquisitions.grain,
        segment_channel_acquisitions.period_start,
        segment_channel_acquisitions.segment_dimension,
        segment_channel_acquisitions.segment,
        sum(cast(channel_spend.spend * segment_channel_acquisitions.acquired_customers
            / channel_acquisitions.acquired_customers as decimal(18, 6))) as marketing_spend
    from segment_channel_acquisitions
    inner join channel_acquisitions
        on segment_channel_acquisitions.grain = channel_acquisitions.grain
        and segment_channel_acquisitions.period_start = channel_acquisitions.period_start
        and segment_channel_acquisitions.channel = channel_acquisitions.channel
    inner join channel_spend
        on segment_channel_acquisitions.grain = channel_spend.grain
        and segment_channel_acquisitions.period_start = channel_spend.period_start
        and segment_channel_acquisitions.channel = channel_spend.channel
    group by all
)

select
    period_totals.grain,
    period_totals.period_start,
    period_totals.total_spend,
    period_totals.unallocated_spend,
    allocated.segment_dimension,
    allocated.segment,
    allocated.marketing_spend
from period_totals
left join allocated
    on period_totals.grain = allocated.grain
    and period_totals.period_start = allocated.period_start
