#!/usr/bin/env bash
# A product's stock ledger, newest first, one page at a time.
source "$(dirname "$0")/lib.sh"
call POST /products/5/inventory '{"change": 5, "reason": "restock"}' 201
call GET "/products/5/inventory?limit=2" "" 200
cursor=$(field next_cursor)
if [[ "$cursor" != "None" ]]; then
  call GET "/products/5/inventory?limit=2&cursor=$cursor" "" 200
fi
