-- Survey responses; a later drop's response_id replaces the earlier one.
with source as (
    select * from {{ source('raw', 'surveys_responses') }}
)

select
    response_id,
    submitted_at,
    {{ reporting_date('submitted_at') }} as submitted_on,
    lower(survey_type) as survey_type,
    score,
    customer_id,
    comment,
    _drop_date,
    _source_file,
    _row_number,
    row_number() over (
        partition by response_id
        order by _drop_date desc, _row_number desc
    ) = 1 as is_current
from source
