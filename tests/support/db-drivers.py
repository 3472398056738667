"""Connects with a Python database driver as docs/data-protection.md ("Drivers") tells an app to,
or with the mistake it names, from the pod's DATABASE_* in the environment; prints what the server
says of the session's TLS, or exits 1 with the driver's error. tests/db-driver-tls.test.ts runs it
with Debian's python3 and python3-psycopg2 / python3-pymysql.

Usage: db-drivers.py psycopg2|pymysql documented|mistake
"""
import os
import sys

env = os.environ
driver, how = sys.argv[1], sys.argv[2]
common = {"host": env["DATABASE_HOST"], "port": int(env["DATABASE_PORT"]), "user": env["DATABASE_USERNAME"],
          "password": env["DATABASE_PASSWORD"], "connect_timeout": 5}

if driver == "psycopg2":
    import psycopg2 as module
    # libpq's own keywords (PostgreSQL docs, libpq "Parameter Key Words": sslmode, sslrootcert).
    tls = ({"sslmode": env["DATABASE_TLS_MODE"], "sslrootcert": env["DATABASE_CA_FILE"]} if how == "documented"
           # libpq "SSL Support": require encrypts and, with no root certificate file, verifies nothing.
           else {"sslmode": "require"})
    args = {**common, "dbname": env["DATABASE_DATABASE"], **tls}
    query = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
elif driver == "pymysql":
    import pymysql as module
    # PyMySQL Connection: ssl_ca alone builds {"check_hostname": False, "verify_mode": False}, i.e. CERT_NONE.
    tls = ({"ssl_ca": env["DATABASE_CA_FILE"], "ssl_verify_cert": True, "ssl_verify_identity": True} if how == "documented"
           else {"ssl_ca": env["DATABASE_CA_FILE"]})
    args = {**common, "database": env["DATABASE_DATABASE"], **tls}
    query = "SELECT VARIABLE_VALUE <> '' FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'"
else:
    sys.exit(f"unknown driver {driver}")

try:
    conn = module.connect(**args)
except module.OperationalError as err:
    sys.exit(str(err).strip())
with conn.cursor() as cur:
    cur.execute(query)
    print(cur.fetchone()[0])
conn.close()
