{#- A period whose trailing window starts before the first date with a customer has no rows. -#}
{{ config(**incremental_by_keys({
    'universe': 'int_periods',
    'columns': ['grain', 'period_end'],
    'date_column': 'period_end',
    'rows_from': {
        'model': 'int_customer_segments',
        'column': 'as_of_date',
        'days': var('activity_window_days'),
    },
})) }}
{%- set keys = keys_to_replace() %}

-- Churn over the trailing window (end - W, end] of every period, per segment: the
-- annual_churn_rate behind CLV. "At start" is end - W; the segment is the one at that date.
-- Incremental by period (macros/incremental_rebuild.sql).
with periods as (
    select * from {{ ref('int_periods') }}
    where {{ key_filter(keys) }}
),

segments as (
    select * from {{ ref('int_customer_segments') }}
),

segments_at_end as (
    select * from segments
    where {{ key_dates_filter(keys, 'as_of_date') }}
),

segments_at_window_start as (
    select * from segments
    where is_active
        and as_of_date in (
            select cast(period_end - interval {{ var('activity_window_days') }} day as date)
            from periods
        )
),

window_customers as (
    select
        periods.grain,
        periods.period_start,
        periods.period_end,
        at_window_start.*,
        at_end.is_active as is_active_at_end
    from periods
    inner join segments_at_window_start as at_window_start
        on at_window_start.as_of_date
            = cast(periods.period_end - interval {{ var('activity_window_days') }} day as date)
    inner join segments_at_end as at_end
        on at_end.as_of_date = periods.period_end
        and at_end.customer_id = at_window_start.customer_id
)

{% for dimension in segment_dimensions() %}
select
    grain,
    period_start,
    period_end,
    '{{ dimension.name }}' as segment_dimension,
    {{ adapter.quote(dimension.name) }} as segment,
    count(*) as window_customers_start,
    count(*) filter (where not is_active_at_end) as window_churned_customers,
    {{ loaded_through() }} as _loaded_through
from window_customers
group by all
{% if not loop.last %}union all{% endif %}
{%- endfor %}
