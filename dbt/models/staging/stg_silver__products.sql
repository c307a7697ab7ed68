-- One row per product (Product Card Id). Names are trimmed again here: the gold contract promises
-- trimmed names whatever the loader did.
select
  product_card_id,
  trim(product_name) as product_name,
  product_price,
  product_status,
  product_image,
  category_id,
  trim(category_name) as category_name,
  department_id,
  trim(department_name) as department_name
from {{ source('silver', 'dim_product') }}
