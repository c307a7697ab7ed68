-- One row per calendar day that is an order or shipping day of some item.
select
  date_key,
  date,
  year,
  quarter,
  month,
  month_start,
  day_of_month,
  day_of_week,
  iso_week,
  is_weekend
from {{ source('silver', 'dim_date') }}
