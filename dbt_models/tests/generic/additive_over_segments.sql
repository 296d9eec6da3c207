{% test additive_over_segments(model, columns, keys) %}
{#- For every dimension, these columns summed over its segments equal the `all` row. -#}
with by_dimension as (
    select
        {{ keys | join(', ') }},
        segment_dimension,
        {%- for column in columns %}
        sum({{ column }}) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
    group by {{ keys | join(', ') }}, segment_dimension
),

total as (
    select * from by_dimension where segment_dimension = 'all'
)

select by_dimension.*
from by_dimension
inner join total
    on {% for key in keys %}by_dimension.{{ key }} = total.{{ key }}{{ " and " if not loop.last }}{% endfor %}
where
    {%- for column in columns %}
    abs(coalesce(by_dimension.{{ column }}, 0) - coalesce(total.{{ column }}, 0)) > 1e-6
    {{- " or" if not loop.last }}
    {%- endfor %}
{% endtest %}
