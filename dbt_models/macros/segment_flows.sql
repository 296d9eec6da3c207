{#-
Segment flows (kpis.md, Segment flows), shared by the view int_customer_period_flows and by
int_segment_flows, which also runs them over the changed customers alone to update its totals
by difference (macros/changed_rows.sql).
-#}

{#- Each customer's state at the start (start - 1 day) and end (as_of_end) of every period of `periods`,
    with the segments at both dates (rows of `segments`, int_customer_segments' columns) and
    the orders in the period. Customers lapsed at both ends with no order in the period play
    no part in any flow and are left out. -#}
{% macro customer_period_flows(periods, segments) %}
    with segments_at_start as (
        select * from {{ segments }}
        where as_of_date in (select cast(period_start - interval 1 day as date) from {{ periods }})
    ),

    joined as (
        select
            periods.grain,
            periods.period_start,
            periods.period_end,
            at_end.customer_id,
            at_end.acquired_on,
            at_start.customer_id is not null as is_acquired_at_start,
            coalesce(at_start.is_active, false) as is_active_at_start,
            at_end.is_active as is_active_at_end,
            at_end.acquired_on between periods.period_start and periods.period_end
                as is_acquired_in_period,
            at_end.orders_to_date - coalesce(at_start.orders_to_date, 0) as orders_in_period,
            at_end.revenue_to_date - coalesce(at_start.revenue_to_date, 0) as revenue_in_period,
            at_end.revenue_to_date as revenue_to_date_at_end,
            at_end.revenue_in_window as revenue_in_window_at_end,
            at_end.attributed_channel,
            {%- for dimension in segment_dimensions() %}
            at_start.{{ adapter.quote(dimension.name) }} as {{ adapter.quote('start_' ~ dimension.name) }},
            at_end.{{ adapter.quote(dimension.name) }} as {{ adapter.quote('end_' ~ dimension.name) }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ periods }} as periods
        inner join {{ segments }} as at_end
            on at_end.as_of_date = periods.as_of_end
        left join segments_at_start as at_start
            on at_start.as_of_date = cast(periods.period_start - interval 1 day as date)
            and at_start.customer_id = at_end.customer_id
    )

    select *
    from joined
    where is_active_at_start or is_active_at_end or orders_in_period > 0
{% endmacro %}


{#- The flow counts per (grain, period, dimension, segment) over `customer_flows` (rows of
    customer_period_flows). Columns counted at the end date group by the segment at end; those
    counted at the start date (customers_start, churned, retained, migrated_out) by the segment
    at start. Every column is a sum over customers (none NULL), so that totals can be updated
    by adding the new rows' counts and subtracting the old ones'; _contributions counts the
    customer rows adding to a row (a customer counted at start and at end counts twice): a
    segment left with none has no row. -#}
{% macro segment_flow_counts(customer_flows) %}
    with counted as (
        {%- for dimension in segment_dimensions() %}
        {%- set seg_start = adapter.quote('start_' ~ dimension.name) %}
        {%- set seg_end = adapter.quote('end_' ~ dimension.name) %}
        select
            grain,
            period_start,
            period_end,
            '{{ dimension.name }}' as segment_dimension,
            {{ seg_end }} as segment,
            0 as customers_start,
            count(*) filter (where is_active_at_end) as customers_end,
            count(*) filter (where not is_acquired_at_start and is_active_at_end) as new_customers,
            count(*) filter (where is_acquired_in_period) as acquired_customers,
            count(*) filter (
                where is_acquired_at_start and not is_active_at_start and is_active_at_end
            ) as reactivated_customers,
            0 as churned_customers,
            0 as retained_customers,
            count(*) filter (
                where is_active_at_start and is_active_at_end and {{ seg_start }} <> {{ seg_end }}
            ) as migrated_in,
            0 as migrated_out,
            sum(orders_in_period) as orders,
            sum(revenue_in_period) as revenue,
            count(*) filter (where orders_in_period > 0) as buyers,
            sum(revenue_to_date_at_end) filter (where is_active_at_end) as revenue_to_date_of_customers_end,
            sum(revenue_in_window_at_end) as revenue_in_trailing_window,
            count(*) as _contributions
        from {{ customer_flows }}
        group by all
        union all
        select
            grain,
            period_start,
            period_end,
            '{{ dimension.name }}' as segment_dimension,
            {{ seg_start }} as segment,
            count(*) as customers_start,
            0, 0, 0, 0,
            count(*) filter (where not is_active_at_end) as churned_customers,
            count(*) filter (where is_active_at_end) as retained_customers,
            0,
            count(*) filter (where is_active_at_end and {{ seg_start }} <> {{ seg_end }}) as migrated_out,
            0, 0, 0, 0, 0,
            count(*) as _contributions
        from {{ customer_flows }}
        where is_active_at_start
        group by all
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )

    select
        grain,
        period_start,
        period_end,
        segment_dimension,
        segment,
        {{ sum_columns(segment_flow_columns()) }}
    from counted
    group by grain, period_start, period_end, segment_dimension, segment
{% endmacro %}


{#- The summed columns of segment_flow_counts: counts as bigint; money keeps the DECIMAL of its
    sum (none). -#}
{% macro segment_flow_columns() -%}
    {{ return([
        ('customers_start', 'bigint'), ('customers_end', 'bigint'), ('new_customers', 'bigint'),
        ('acquired_customers', 'bigint'), ('reactivated_customers', 'bigint'),
        ('churned_customers', 'bigint'), ('retained_customers', 'bigint'),
        ('migrated_in', 'bigint'), ('migrated_out', 'bigint'), ('orders', 'bigint'),
        ('revenue', none), ('buyers', 'bigint'),
        ('revenue_to_date_of_customers_end', none),
        ('revenue_in_trailing_window', none), ('_contributions', 'bigint'),
    ]) }}
{%- endmacro %}
