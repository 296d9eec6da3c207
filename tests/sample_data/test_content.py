"""Content that makes the KPIs meaningful, and the messiness real extracts have."""

from __future__ import annotations

LATEST_CUSTOMERS = """
    select * from customers qualify row_number() over (
        partition by customer_id order by updated_at::timestamptz desc, _drop desc) = 1
"""
COMPLETED = """
    select * from orders qualify row_number() over (
        partition by order_id
        order by coalesce(updated_at, ordered_at)::timestamptz desc, _drop desc) = 1
"""


def test_channels_differ_in_repeat_rate_and_order_value(sample):
    rows = sample.sql(f"""
        with completed as (select * from ({COMPLETED}) where status = 'completed'),
        per_customer as (
            select customer_id, count(*) as orders, avg(net_amount::double) as value
            from completed where coalesce(currency, 'USD') = 'USD' group by 1)
        select acquisition_channel, avg((orders >= 2)::int), avg(value)
        from per_customer join ({LATEST_CUSTOMERS}) using (customer_id) group by 1""")
    repeat = {channel: rate for channel, rate, _ in rows}
    value = {channel: amount for channel, _, amount in rows}
    assert set(repeat) == {"paid_search", "social", "referral", "organic", "email", "partner"}
    assert repeat["referral"] > repeat["social"] + 0.15
    assert value["partner"] > value["social"] * 1.2


def test_orders_peak_in_the_fourth_quarter(sample):
    per_day = dict(
        sample.sql(f"""
        select month(ordered_at::timestamptz) >= 11, count(*) / count(distinct
               cast(ordered_at::timestamptz as date))
        from ({COMPLETED})
        where status = 'completed' and ordered_at::timestamptz >= timestamptz '2025-09-01'
        group by 1""")
    )
    assert per_day[True] > 1.2 * per_day[False]


def test_attributes_cover_every_band_and_some_are_missing(sample):
    ages = sample.sql(f"""
        select min(age), max(age), count(*) filter (where age < 18)
        from (select date_part('year', age(date '2025-12-31', birth_date::date)) as age
              from ({LATEST_CUSTOMERS}))""")[0]
    assert 16 <= ages[0] <= 17 and 80 <= ages[1] <= 85 and ages[2] > 0
    bands = sample.sql(f"""
        select count(*) filter (where annual_income is null),
               count(*) filter (where annual_income::double < 25000),
               count(*) filter (where annual_income::double >= 200000)
        from ({LATEST_CUSTOMERS})""")[0]
    assert all(count > 0 for count in bands)
    interests = sample.scalar("select count(*) from customers where interests like '%|%|%'")
    assert interests > 0


def test_free_text_and_booleans_vary_like_real_exports(sample):
    opt_in = {v for (v,) in sample.sql("select distinct marketing_opt_in from customers")}
    assert opt_in == {"true", "false", "yes", "no", "1", "0"}
    genders = {v for (v,) in sample.sql("select distinct gender from customers")}
    assert {None, "F", "female", "Woman", "m", "Male", "non-binary"} <= genders
    styles = dict(
        sample.sql(r"""
        select case when updated_at like '%Z' then 'utc'
                    when regexp_matches(updated_at, '[+-]\d\d:\d\d$') then 'offset'
                    else 'naive' end, count(*)
        from customers group by 1""")
    )
    assert set(styles) == {"utc", "offset", "naive"}
    assert styles["utc"] > styles["offset"]


def test_order_lines_carry_categories_for_most_orders(sample):
    categories = {c for (c,) in sample.sql("select distinct category from order_lines")}
    assert categories == {"electronics", "home", "fashion", "beauty", "sports", "books"}
    with_lines, without_lines, orphans = sample.sql("""
        with lines as (select distinct order_id from order_lines)
        select count(distinct order_id) filter (where order_id in (from lines)),
               count(distinct order_id) filter (where order_id not in (from lines)),
               (select count(*) from lines where order_id not in (select order_id from orders))
        from orders""")[0]
    assert with_lines > 5 * without_lines > 0
    assert orphans == 0


def test_survey_responses(sample):
    out_of_range = sample.scalar("""
        select count(*) from responses
        where (survey_type = 'csat' and score::int not between 1 and 5)
           or (survey_type = 'nps' and score::int not between 0 and 10)""")
    assert out_of_range == 0
    anonymous, non_customers = sample.sql("""
        select count(*) filter (where customer_id is null),
               count(*) filter (where customer_id not in (select customer_id from orders))
        from responses""")[0]
    assert anonymous > 0 and non_customers > 0
    comments = [c for (c,) in sample.sql("select distinct comment from responses") if c]
    assert any('"' in c for c in comments) and any("," in c for c in comments)
    assert any("\n" in c for c in comments) and any(not c.isascii() for c in comments)
    types = {t for (t,) in sample.sql("select distinct survey_type from responses")}
    assert types == {"csat", "nps"}


def test_marketing_spend_by_channel(sample):
    spend = dict(sample.sql("select channel, sum(amount::double) from spend group by 1"))
    assert set(spend) == {"paid_search", "social", "referral", "organic", "email", "partner"}
    assert spend["organic"] == 0
    assert spend["referral"] < spend["paid_search"] / 10
    currencies = {c for (c,) in sample.sql("select distinct coalesce(currency, '') from spend")}
    assert currencies == {"USD", "EUR", "GBP", ""}


def test_partner_spends_in_weeks_it_acquires_nobody(sample):
    idle_weeks = sample.scalar(f"""
        with acquired as (
            select date_trunc('week', min(ordered_at::timestamptz)) as week
            from ({COMPLETED}) join ({LATEST_CUSTOMERS}) using (customer_id)
            where status = 'completed' and acquisition_channel = 'partner'
            group by customer_id),
        spent as (
            select date_trunc('week', spend_date::date) as week, sum(amount::double) as amount
            from spend where channel = 'partner' group by 1)
        select count(*) from spent
        where amount > 0 and week not in (select week from acquired)""")
    assert idle_weeks > 0
