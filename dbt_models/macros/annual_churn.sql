{#-
Churn over the trailing window (end - W, end] of every period, per segment: the
annual_churn_rate behind CLV. "At start" is end - W; the segment is the one at that date.
The end is as_of_end (the watermark for the open period).
Shared by int_segment_annual_churn's recount and its update by difference
(macros/changed_rows.sql).
-#}

{#- The customers active at end - W of every period of `periods`, with their segments then and
    whether they are active at the end (rows of `segments`, int_customer_segments' columns);
    `end_dates` narrows the end-date scan (a literal list DuckDB pushes down). -#}
{% macro window_churn_customers(periods, segments, end_dates='true') %}
    with at_window_start as (
        select * from {{ segments }}
        where is_active
            and as_of_date in (
                select cast(as_of_end - interval {{ var('activity_window_days') }} day as date)
                from {{ periods }}
            )
    ),

    at_end as (
        select * from {{ segments }}
        where {{ end_dates }}
    )

    select
        periods.grain,
        periods.period_start,
        periods.period_end,
        at_window_start.*,
        at_end.is_active as is_active_at_end
    from {{ periods }} as periods
    inner join at_window_start
        on at_window_start.as_of_date
            = cast(periods.as_of_end - interval {{ var('activity_window_days') }} day as date)
    inner join at_end
        on at_end.as_of_date = periods.as_of_end
        and at_end.customer_id = at_window_start.customer_id
{% endmacro %}


{#- Per (grain, period, dimension, segment) of `window_customers`: the customers at the
    window's start and those of them not active at its end. -#}
{% macro window_churn_counts(window_customers) %}
    {%- for dimension in segment_dimensions() %}
    select
        grain,
        period_start,
        period_end,
        '{{ dimension.name }}' as segment_dimension,
        {{ adapter.quote(dimension.name) }} as segment,
        count(*) as window_customers_start,
        count(*) filter (where not is_active_at_end) as window_churned_customers
    from {{ window_customers }}
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}


{% macro window_churn_columns() -%}
    {{ return([('window_customers_start', 'bigint'), ('window_churned_customers', 'bigint')]) }}
{%- endmacro %}
