{#- percent_rank() per date of each distinct value of `values` (rows: as_of_date, the value,
    customers holding it), ordered by `order_by`: (customers before the value) / (customers - 1),
    0 when one customer - the ratio percent_rank() computes, without sorting every customer. -#}
{% macro percent_rank_of_values(values, order_by) %}
    select
        *,
        case
            when sum(customers) over dates > 1
                then cast(coalesce(sum(customers) over earlier_values, 0) as double)
                    / cast(sum(customers) over dates - 1 as double)
            else 0
        end as percent_rank
    from {{ values }}
    window
        dates as (partition by as_of_date),
        earlier_values as (
            partition by as_of_date order by {{ order_by }}
            rows between unbounded preceding and 1 preceding
        )
{% endmacro %}
