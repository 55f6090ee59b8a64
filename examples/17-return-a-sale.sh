#!/usr/bin/env bash
# Return units of a sale: the refund is at the sale's unit price (not today's), the units go back
# in stock with a `return` ledger entry carrying the sale id (unless "restock": false), and the
# retry with the same Idempotency-Key records nothing new. Returning more than is left is 422
# with `returnable`. Summaries then show the return on its day (total_refunded, net_revenue).
source "$(dirname "$0")/lib.sh"
call POST /sales '{"product_id": 4, "units_sold": 3}' 201
sale=$(field id)
call PATCH /products/4 '{"price": "999.99"}' 200
HEADERS=("Idempotency-Key: rma-2023-0042")
call POST "/sales/$sale/returns" '{"units": 2, "reason": "damaged in transit"}' 201
first=$(field id)
call POST "/sales/$sale/returns" '{"units": 2, "reason": "damaged in transit"}' 201
[[ "$(field id)" == "$first" ]] || { echo "the retry recorded a second return" >&2; exit 1; }
HEADERS=()
call GET "/sales/$sale" "" 200
[[ "$(field units_returned)" == "2" ]] || { echo "units_returned should be 2" >&2; exit 1; }
call POST "/sales/$sale/returns" '{"units": 2, "restock": false}' 422
[[ "$(field returnable)" == "1" ]] || { echo "returnable should be 1" >&2; exit 1; }
call POST "/sales/$sale/returns" '{"units": 1, "restock": false, "reason": "opened"}' 201
call GET "/sales/$sale/returns" "" 200
call GET "/products/4/inventory?limit=2" "" 200
call GET "/sales?has_returns=true&limit=5" "" 200
