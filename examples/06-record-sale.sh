#!/usr/bin/env bash
# Record a sale with an Idempotency-Key; the retry returns the same sale and records nothing
# new. Stock drops by the units sold, with a `sale` ledger entry.
source "$(dirname "$0")/lib.sh"
HEADERS=("Idempotency-Key: till-7-receipt-1042")
call POST /sales '{"product_id": 4, "units_sold": 2}' 201
first=$(field id)
call POST /sales '{"product_id": 4, "units_sold": 2}' 201
[[ "$(field id)" == "$first" ]] || { echo "the retry recorded a second sale" >&2; exit 1; }
HEADERS=()
call GET /products/4 "" 200
call GET "/products/4/inventory?limit=1" "" 200
