"""The benchmark library behind the scenario scripts in bench/ (issue 13): one module per concern.

common   paths, logging, the time budget, the 127.0.0.1-only guard
db       throwaway databases (PostgreSQL next to BENCH_DATABASE_URL/TEST_DATABASE_URL, or a temp SQLite file),
         `flask db upgrade` + `flask demo seed`, bulk contestants, signed-in sessions, integrity checks
server   gunicorn for the app or for the trivial /ping baseline (bench/ping_app.py), same settings for both
cpu      CPU accounting from /proc: gunicorn, the app's PostgreSQL backends, the client, the rest of the machine
client   load generation: wrk with Lua (fixed connections), a thread client and an asyncio open-loop client
report   percentiles, tables, the one-line summary with the /ping ratio, RESULTS.md sections
harness  what every scenario does: arguments, set-up, the /ping baseline, the app server, clean-up, report
"""
