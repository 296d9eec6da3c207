{% test expression_is_true(model, expression, where_clause=none, column_name=none) %}
{#- Rows for which the expression is not true (NULL counts as not true only if it is false). -#}
select *
from {{ model }}
where not ({{ expression }})
{%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
