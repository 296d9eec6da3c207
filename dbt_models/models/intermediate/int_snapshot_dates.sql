-- The dates on which customer state and segments are computed: every period's end ("at end":
-- as_of_end, the watermark for the open period), the day before every period start ("at
-- start"), the start of every trailing CLV window (as_of_end - W), and the watermark (current
-- state).
with periods as (
    select * from {{ ref('int_periods') }}
),

watermark as (
    select * from {{ ref('int_watermark') }}
),

dates as (
    select as_of_end as as_of_date, 'period_end' as purpose from periods
    union all
    select cast(period_start - interval 1 day as date), 'period_start' from periods
    union all
    select cast(as_of_end - interval {{ var('activity_window_days') }} day as date), 'clv_window'
    from periods
    union all
    select watermark, 'current' from watermark
)

select
    as_of_date,
    bool_or(purpose in ('period_end', 'period_start')) as is_period_boundary,
    bool_or(purpose = 'current') as is_current
from dates
group by as_of_date
