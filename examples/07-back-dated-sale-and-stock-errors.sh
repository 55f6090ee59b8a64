#!/usr/bin/env bash
# A back-dated sale (an import), and the rules: more units than in stock is 422 with
# `available`; an unknown product is 404.
source "$(dirname "$0")/lib.sh"
call POST /sales '{"product_id": 7, "units_sold": 1, "sold_at": "2023-10-08T09:30:00Z"}' 201
call POST /sales '{"product_id": 7, "units_sold": 500}' 422
call POST /sales '{"product_id": 999, "units_sold": 1}' 404
