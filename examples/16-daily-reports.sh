#!/usr/bin/env bash
# The daily reports the schedule writes (locally: at 00:15 store time, or
# `cargo run -p local-runner -- report 2022-10-08`), newest first, and one by date.
source "$(dirname "$0")/lib.sh"
call GET "/reports/daily?limit=5" "" 200
call GET /reports/daily/2022-10-08 "" 200
