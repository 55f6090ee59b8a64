#!/usr/bin/env bash
# Register a product with initial stock (the id is the next integer), then list a category's
# active products. A bad price is a 422 that names the field; nothing is written.
source "$(dirname "$0")/lib.sh"
call POST /products '{"name": "Ophone 16", "description": "The newest Ophone", "price": "2499.99",
  "image": "https://example.com/ophone-16.png", "category_name": "electronics",
  "current_inventory": 25, "low_stock_alert_threshold": 5}' 201
call GET "/products/$(field id)" "" 200
call GET "/products?category_name=electronics&status=active&limit=10" "" 200
call POST /products '{"name": "Broken", "price": 19.999, "category_name": "electronics"}' 422
