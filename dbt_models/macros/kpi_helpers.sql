{#- Division by zero (or NULL) gives NULL, never 0 (kpis.md). -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- A UTC timestamp's date in the reporting timezone. -#}
{% macro reporting_date(ts) -%}
    {%- if var('reporting_timezone') == 'UTC' -%}
        cast({{ ts }} as date)
    {%- else -%}
        cast(timezone('{{ var("reporting_timezone") }}', timezone('UTC', {{ ts }})) as date)
    {%- endif -%}
{%- endmacro %}

{#- Standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7), for z-tests in SQL. -#}
{% macro normal_cdf(z) -%}
    (case when {{ z }} is null then null else
        0.5 * (1 + sign({{ z }}) * (1 - (
            0.254829592 * (1 / (1 + 0.3275911 * abs({{ z }}) / sqrt(2)))
          - 0.284496736 * pow(1 / (1 + 0.3275911 * abs({{ z }}) / sqrt(2)), 2)
          + 1.421413741 * pow(1 / (1 + 0.3275911 * abs({{ z }}) / sqrt(2)), 3)
          - 1.453152027 * pow(1 / (1 + 0.3275911 * abs({{ z }}) / sqrt(2)), 4)
          + 1.061405429 * pow(1 / (1 + 0.3275911 * abs({{ z }}) / sqrt(2)), 5)
        ) * exp(-({{ z }} * {{ z }}) / 2)))
    end)
{%- endmacro %}

{#- A KPI value as people read it: rates in %, money in $ with thousands separators. -#}
{% macro format_kpi(kpi, value) -%}
    (case
        when {{ value }} is null then 'n/a'
        when {{ kpi }} in ('acquisition_rate', 'retention_rate', 'churn_rate', 'segment_growth_rate',
            'revenue_growth_rate', 'csat', 'market_share', 'market_penetration',
            'lead_conversion_rate', 'annual_churn_rate')
            then printf('%.1f%%', 100 * {{ value }})
        when {{ kpi }} in ('revenue', 'average_order_value', 'clv_historical', 'clv', 'cac',
            'annual_value', 'marketing_spend')
            then '$' || format('{:,.0f}', {{ value }})
        when {{ kpi }} in ('nps', 'purchase_frequency', 'ltv_to_cac')
            then printf('%.1f', {{ value }})
        else format('{:,.0f}', {{ value }})
    end)
{%- endmacro %}
