-- Every KPI of every fct_segment_kpis row against its target (kpis.md, Targets).
-- A target for a specific period_start wins over one for every period (empty period_start).
-- attainment = actual / target (direction 'lower': target / actual); status on_track (>= 1),
-- at_risk (>= 0.9), off_track, no_target; no_data when there is a target but no actual.
-- A 'lower' KPI at 0 (no churn) is on_track, with a NULL attainment (division by zero).
with kpis as (
    select * from {{ ref('fct_segment_kpis') }}
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

actuals as (
    unpivot (
        select
            grain, period_start, period_end, is_closed, segment_dimension, segment,
            {%- for kpi in var('kpis') %}
            cast({{ kpi }} as double) as {{ kpi }}{{ "," if not loop.last }}
            {%- endfor %}
        from kpis
    )
    on {{ var('kpis') | join(', ') }}
    into name kpi value actual
),

-- unpivot drops NULL values: put every KPI back, with its NULL actual
all_kpis as (
    select
        kpis.grain, kpis.period_start, kpis.period_end, kpis.is_closed,
        kpis.segment_dimension, kpis.segment, kpi_names.kpi
    from kpis
    cross join (select unnest({{ var('kpis') }}) as kpi) as kpi_names
),

matched_targets as (
    select
        all_kpis.*,
        actuals.actual,
        targets.target,
        targets.direction,
        row_number() over (
            partition by all_kpis.grain, all_kpis.period_start, all_kpis.segment_dimension,
                all_kpis.segment, all_kpis.kpi
            order by targets.period_start is null
        ) as target_rank
    from all_kpis
    left join actuals
        on all_kpis.grain = actuals.grain
        and all_kpis.period_start = actuals.period_start
        and all_kpis.segment_dimension = actuals.segment_dimension
        and all_kpis.segment = actuals.segment
        and all_kpis.kpi = actuals.kpi
    left join targets
        on all_kpis.grain = targets.grain
        and (targets.period_start is null or all_kpis.period_start = targets.period_start)
        and all_kpis.segment_dimension = targets.segment_dimension
        and all_kpis.segment = targets.segment
        and all_kpis.kpi = targets.kpi
),

scored as (
    select
        *,
        case
            when direction = 'lower' then {{ safe_divide('target', 'actual') }}
            else {{ safe_divide('actual', 'target') }}
        end as attainment
    from matched_targets
    where target_rank = 1
)

select
    grain,
    period_start,
    period_end,
    is_closed,
    segment_dimension,
    segment,
    kpi,
    actual,
    target,
    direction,
    attainment,
    case
        when target is null then 'no_target'
        when direction = 'lower' and actual = 0 then 'on_track'  -- nothing of a bad thing
        when attainment is null then 'no_data'
        when attainment >= 1.0 then 'on_track'
        when attainment >= {{ var('attainment_at_risk_min') }} then 'at_risk'
        else 'off_track'
    end as status
from scored
