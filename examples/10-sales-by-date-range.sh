#!/usr/bin/env bash
# Sales between two dates (inclusive, in the given zone), timestamps returned in that zone.
source "$(dirname "$0")/lib.sh"
call GET "/sales?from=2022-10-01&to=2022-12-31&tz=Asia/Karachi" "" 200
call GET "/sales?from=2022-12-31&to=2022-10-01" "" 400
