#!/usr/bin/env bash
# Register a category, read it back, change its description. A second create is 409.
source "$(dirname "$0")/lib.sh"
call POST /categories '{"name": "garden", "description": "Plants, pots and tools"}' 201
call GET /categories/garden "" 200
call PATCH /categories/garden '{"description": "Everything for the garden"}' 200
call POST /categories '{"name": "garden"}' 409
call GET /categories "" 200
