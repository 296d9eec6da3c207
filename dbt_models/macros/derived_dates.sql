{#-
New snapshot dates derived from the date before them (docs/architecture.md, "Incremental
builds"), for int_customer_measures.

A customer's measures on a date d depend on that customer's completed orders up to d and in
the activity window (d - W, d] alone. On a new date d, a customer therefore has the same
measures as on the latest earlier date d0 the model holds, unless they have an order in
(d0, d] (history, recency, acquisition) or in (d0 - W, d - W] (an order left the window: window
revenue, activity, usage), or their orders changed since the model's last build. A nightly build
computes only those customers on d and copies every other customer's row from d0: the new
"current" date then costs the day's buyers, not every customer.

Usage (a per_customer model of incremental_by_keys, keyed by its date alone):
    {%- set derived = dates_derived_from_earlier(new_keys) %}   -- [[d, d0], ...]
    ... where {{ derived_dates_customers(derived, order_days, 'customer_id') }} ...
-#}

{#- Each of `new` (the keys new to the model, none when it is built whole) with the latest
    earlier date the model holds ([d, d0] as ISO text; a date without one is left out). Dates
    gone from the universe are still held here: the post-hook deletes them after the insert. -#}
{% macro dates_derived_from_earlier(new) %}
    {%- if not new -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set date_column = rebuild_keys_config()['date_column'] -%}
    {%- set query -%}
        select cast(new_dates.day as varchar), cast(max(held.day) as varchar)
        from (select unnest([{% for key in new %}date '{{ key[0] }}'{{ ', ' if not loop.last }}{% endfor %}]) as day) as new_dates
        inner join (select distinct {{ date_column }} as day from {{ this }}) as held
            on held.day < new_dates.day
        group by new_dates.day
        order by 1
    {%- endset -%}
    {%- set derived = query_once(query) -%}  {#- the dates held before this build wrote -#}
    {%- do log(model.name ~ ": " ~ derived | length ~ " new date(s) derived from an earlier one", info=false) -%}
    {{ return(derived) }}
{% endmacro %}


{#- `column in (...)`: the customers with a completed order (rows of `order_days`, one per
    customer and order_date) between a derived date and the date it derives from, at either end
    of the activity window. -#}
{% macro derived_dates_customers(derived, order_days, column) -%}
    {%- set window = var('activity_window_days') -%}
    {{ column }} in (
        select customer_id from {{ order_days }}
        where
        {%- for day, earlier in derived %}
            (order_date > date '{{ earlier }}' and order_date <= date '{{ day }}')
            or (order_date > date '{{ earlier }}' - {{ window }} and order_date <= date '{{ day }}' - {{ window }})
            {{- ' or' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
