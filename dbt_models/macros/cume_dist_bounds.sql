{#-
cume_dist() without sorting every row (int_customer_scores, value_tier).

In descending order, cume_dist() of a value x among n values is (values >= x) / n, computed
in doubles. So `cume_dist() <= limit` holds exactly for the values above the (g + 1)-th
largest, g being the largest count with g / n <= limit: a date needs one order statistic
per limit, read from its values sorted once (a list per date), not a sort of every row with
all its columns.
-#}

{#- The largest g in [0, n] with g / n <= limit in the doubles cume_dist() and the comparison
    use. It is floor(n * limit) up to rounding, so the three integers around it are checked
    with that same division. -#}
{% macro cume_dist_count_within(n, limit) -%}
    greatest(0
    {%- for offset in [-1, 0, 1] %}
        {%- set g = '(cast(floor(' ~ n ~ ' * ' ~ limit ~ ') as bigint) + ' ~ offset ~ ')' %},
        case
            when {{ g }} between 0 and {{ n }}
                and cast({{ g }} as double) / cast({{ n }} as double) <= {{ limit }}
                then {{ g }}
            else 0
        end
    {%- endfor %})
{%- endmacro %}


{#- The value a value must exceed to have cume_dist() <= limit in descending order, from
    `sorted_values` (a list, ascending): the (g + 1)-th largest, at position n - g. NULL when
    every value qualifies (g = n: no position 0). -#}
{% macro cume_dist_bound(sorted_values, limit) -%}
    {%- set n = 'len(' ~ sorted_values ~ ')' -%}
    {{ sorted_values }}[nullif({{ n }} - {{ cume_dist_count_within(n, limit) }}, 0)]
{%- endmacro %}
