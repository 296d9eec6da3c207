{#-
Segment flows (kpis.md, Segment flows), shared by the view int_customer_period_flows and by
int_segment_flows, which also runs them over the changed customers alone to update its totals
by difference (macros/changed_rows.sql).
-#}

{#- Each customer's state at the start (start - 1 day) and end (as_of_end) of every period of `periods`,
    with the segments at both dates (rows of `segments`, int_customer_segments' columns) and
    the orders in the period. Customers lapsed at both ends with no order in the period play
    no part in any flow and are left out.
    `value_types` (segment_value_types) narrows the rows the join holds: the segment columns
    become ENUMs (one byte instead of a 16-byte string each; the counters are 64-bit as stored,
    int_customer_order_days). The rows and types that come out of segment_flow_counts are the
    same. -#}
{% macro customer_period_flows(periods, segments, value_types=none) %}
    with segments_at_end as (
        {{ segments_as(segments, value_types) }}
    ),

    segments_at_start as (
        {{ segments_as(segments, value_types) }}
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
        inner join segments_at_end as at_end
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
    segment left with none has no row.
    One pass over the customer rows: GROUPING SETS count them per period and pair (segment at
    start, segment at end) of every dimension at once - a few hundred pairs per period - and
    the flows are sums over those pairs. (Grouping the customer rows once per dimension and
    side read them 26 times: at 1M, 54M rows kept in a spilled CTE.) -#}
{% macro segment_flow_counts(customer_flows) %}
    {%- set dimensions = segment_dimensions() %}
    with pairs as (
        select
            grain,
            period_start,
            period_end,
            case
            {%- for dimension in dimensions %}
                {%- set seg_start = adapter.quote('start_' ~ dimension.name) %}
                {%- set seg_end = adapter.quote('end_' ~ dimension.name) %}
                when grouping({{ seg_start }}, {{ seg_end }}) = 0 then '{{ dimension.name }}'
            {%- endfor %}
            end as segment_dimension,
            case
            {%- for dimension in dimensions %}
                {%- set seg_start = adapter.quote('start_' ~ dimension.name) %}
                {%- set seg_end = adapter.quote('end_' ~ dimension.name) %}
                when grouping({{ seg_start }}, {{ seg_end }}) = 0 then cast({{ seg_start }} as varchar)
            {%- endfor %}
            end as segment_start,
            case
            {%- for dimension in dimensions %}
                {%- set seg_start = adapter.quote('start_' ~ dimension.name) %}
                {%- set seg_end = adapter.quote('end_' ~ dimension.name) %}
                when grouping({{ seg_start }}, {{ seg_end }}) = 0 then cast({{ seg_end }} as varchar)
            {%- endfor %}
            end as segment_end,
            count(*) as customers,
            count(*) filter (where is_active_at_start) as active_at_start,
            count(*) filter (where is_active_at_end) as active_at_end,
            count(*) filter (where is_active_at_start and is_active_at_end) as active_at_both,
            count(*) filter (where not is_acquired_at_start and is_active_at_end) as new_customers,
            count(*) filter (where is_acquired_in_period) as acquired_customers,
            count(*) filter (
                where is_acquired_at_start and not is_active_at_start and is_active_at_end
            ) as reactivated_customers,
            sum(orders_in_period) as orders,
            sum(revenue_in_period) as revenue,
            count(*) filter (where orders_in_period > 0) as buyers,
            sum(revenue_to_date_at_end) filter (where is_active_at_end) as revenue_to_date_of_customers_end,
            sum(revenue_in_window_at_end) as revenue_in_trailing_window
        from {{ customer_flows }}
        group by grouping sets (
            {%- for dimension in dimensions %}
            (grain, period_start, period_end, {{ adapter.quote('start_' ~ dimension.name) }}, {{ adapter.quote('end_' ~ dimension.name) }}){{ "," if not loop.last }}
            {%- endfor %}
        )
    ),

    counted as (
        select
            grain,
            period_start,
            period_end,
            segment_dimension,
            segment_end as segment,
            0 as customers_start,
            active_at_end as customers_end,
            new_customers,
            acquired_customers,
            reactivated_customers,
            0 as churned_customers,
            0 as retained_customers,
            case when segment_start <> segment_end then active_at_both else 0 end as migrated_in,
            0 as migrated_out,
            orders,
            revenue,
            buyers,
            revenue_to_date_of_customers_end,
            revenue_in_trailing_window,
            customers as _contributions
        from pairs
        union all
        select
            grain,
            period_start,
            period_end,
            segment_dimension,
            segment_start as segment,
            active_at_start as customers_start,
            0, 0, 0, 0,
            active_at_start - active_at_both as churned_customers,
            active_at_both as retained_customers,
            0,
            case when segment_start <> segment_end then active_at_both else 0 end as migrated_out,
            0, 0, 0, 0, 0,
            active_at_start as _contributions
        from pairs
        where active_at_start > 0
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


{#- `select * from segments`, with the columns of `value_types` cast to their types (none:
    as stored). -#}
{% macro segments_as(segments, value_types) -%}
    {%- set casts = [] -%}
    {%- for name, type in (value_types or {}).items() -%}
        {%- do casts.append('cast(' ~ adapter.quote(name) ~ ' as ' ~ type ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    select *{% if casts %} replace ({{ casts | join(', ') }}){% endif %} from {{ segments }}
{%- endmacro %}


{#- The segment dimensions' values in `segments` (int_customer_segments) as ENUM types, for
    customer_period_flows: {dimension: "enum('a', 'b', ...)"}; a dimension without values is
    left out. One query of the distinct values (about 1 s at 1M customers), when the model is
    built (none when parsed, or in a unit test, whose inputs are not tables). At 1M customers
    the full build's join holds ~48M customer rows at period starts: as strings they took
    ~11 GB and spilled to disk (docs/architecture.md, "Incremental builds"). -#}
{% macro segment_value_types(segments) %}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for name in segment_dimension_names() -%}
        {%- set column = adapter.quote(name) -%}
        {#- prefixed: dbt reads query results through agate, which would turn a column of
            values such as 'true' or '10' into booleans or numbers -#}
        {%- do selects.append("select distinct '" ~ name ~ "', 'v' || " ~ column ~ " from " ~ segments ~ " where " ~ column ~ " is not null") -%}
    {%- endfor -%}
    {%- set values = {} -%}
    {%- for name, value in query_once(selects | join(' union all ') ~ ' order by 1, 2') -%}
        {%- do values.setdefault(name, []).append("'" ~ (value[1:] | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- set types = {} -%}
    {%- for name, quoted in values.items() -%}
        {%- do types.update({name: 'enum(' ~ quoted | join(', ') ~ ')'}) -%}
    {%- endfor -%}
    {{ return(types) }}
{% endmacro %}
