#!/usr/bin/env bash
# Change a product's price, restock it, set its stock after a count, and see stock can never go
# below zero. Every stock change writes one ledger entry in the same transaction.
source "$(dirname "$0")/lib.sh"
call PATCH /products/2 '{"price": "949.00"}' 200
call POST /products/2/inventory '{"change": 20, "reason": "restock"}' 201
call POST /products/2/inventory '{"set": 24, "reason": "adjustment"}' 201
call PATCH /products/2 '{"current_inventory": 23}' 200
call POST /products/2/inventory '{"change": -1000}' 422
