#!/usr/bin/env bash
# The application's own database user: run by the grants Job (components/database-grants.ts) as the
# master user, in the engine's pinned client image (the dumps' image), after its `db-ca` init
# container fetched the RDS CA bundle (ca-fetch.sh). It creates APP_USER, or finds it, sets its
# password (a restore brings back the source's user with the source's password), and grants it data
# access to DB_NAME and nothing else. The password never reaches PostgreSQL in clear: there the Job
# gets only its SCRAM-SHA-256 verifier, APP_PASSWORD_VERIFIER (lib/scram.ts), which the server stores
# as it is (src/backend/libpq/crypt.c `encrypt_password`), so no statement it may log
# (`log_min_duration_statement`, `log_min_error_statement`, exported to CloudWatch) holds the password;
# MySQL gets APP_PASSWORD and rewrites the statement before logging it (MySQL manual, "Passwords and
# Logging": "passwords in such statements are rewritten to not appear literally").
#   PostgreSQL: LOGIN, NOCREATEDB, NOCREATEROLE; CONNECT on the database; USAGE on schema public;
#     SELECT, INSERT, UPDATE, DELETE on every table and USAGE, SELECT on every sequence in public; the
#     same by default on what the master user creates there later (ALTER DEFAULT PRIVILEGES FOR ROLE
#     the master: the migrations). No CREATE, no ownership: it cannot create, alter or drop a table.
#     PostgreSQL 14 and older give PUBLIC CREATE on schema public (PostgreSQL 15 release notes:
#     "Remove PUBLIC creation permission on the public schema"), and an upgrade keeps that grant, so
#     the script revokes it where PUBLIC still has it, then fails unless the role is left unable to
#     create anything in the schema or the database and is no member of the master user.
#     PostgreSQL 16 and later: altering a role takes the ADMIN option on it, which the creating role
#     gets automatically only from 16 on (PostgreSQL 16 release notes, "Restrict the privileges of
#     CREATEROLE"), so a role the master made on 15 and carried through a major upgrade cannot be
#     altered (tests/db-app-role.test.ts shows it); the script fails before ALTER ROLE then, naming the
#     way out: a new user name, which the master creates, and so administers.
#   MySQL: CREATE USER IF NOT EXISTS ... REQUIRE SSL, ALTER USER ... IDENTIFIED BY ... REQUIRE SSL,
#     GRANT SELECT, INSERT, UPDATE, DELETE ON `DB_NAME`.*, the database name's `_` escaped (an
#     unescaped `_` in a GRANT's database name is a wildcard: MySQL manual, grant.html "The _ and %
#     wildcards are permitted when specifying database names").
# Idempotent: a second run changes nothing but the password, which it sets again. Privileges granted
# by hand beyond these are not revoked.
#
# Environment:
#   DB_ENGINE                  mysql | postgres                                      required
#   DB_HOST, DB_NAME           the instance and its database                         required
#   DB_PORT                    default 3306 (mysql), 5432 (postgres)
#   DB_USER, DB_PASSWORD       the master user (the admin connection Secret)         required
#   APP_USER                   the application's user (the app connection Secret)    required
#   APP_PASSWORD               its password                                           required (mysql)
#   APP_PASSWORD_VERIFIER      its password's SCRAM-SHA-256 verifier                  required (postgres)
#   DB_SSL_CA                  PEM bundle the server's certificate must chain to; the client also
#                              checks that it names DB_HOST, as the dumps do (dump.sh "TLS")  required
#   DB_CONNECT_TIMEOUT         seconds the server may take to answer; default 15
#   DB_QUERY_TIMEOUT           seconds the statements may take once connected; default 120: the
#                              client is stopped after DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT (lib.sh
#                              bounded_client), a stalled server or a statement waiting on a lock
#
# Neither password, nor the verifier, is ever on a command line or in output: the SQL holding
# APP_PASSWORD or APP_PASSWORD_VERIFIER goes to the client on stdin, the master's password in a 0600
# option file (mysql) or PGPASSWORD for that one command (psql), and all are un-exported so that no
# other child inherits them.
#
# Exit status: 0 with the user in place, 1 on a failure, 2 on a configuration error; one line on stderr.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
strict_mode

# The names config allows (config/database.ts sqlIdentifier): quoted as identifiers below, never
# anything that could close the quotes.
readonly SQL_NAME_PATTERN='^[A-Za-z][A-Za-z0-9_]{0,63}$'

# What lib/scram.ts builds: SCRAM-SHA-256$<iterations>:<16-byte salt>$<StoredKey>:<ServerKey>, in
# base64 (lib/scram.ts SCRAM_VERIFIER_PATTERN). Checked before use: a string PostgreSQL does not parse
# as a verifier it takes for a password in clear and hashes (crypt.c `get_password_type`), so a
# mangled verifier would become the password, and be sent in clear.
readonly SCRAM_VERIFIER_PATTERN='^SCRAM-SHA-256\$[1-9][0-9]{0,9}:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$'

# A single-quoted SQL string literal: quotes doubled; for MySQL backslashes doubled too (the session
# below turns NO_BACKSLASH_ESCAPES off, so a backslash is always an escape there).
sql_literal() {
    local value=$1
    if [[ $DB_ENGINE == mysql ]]; then value=${value//\\/\\\\}; fi
    printf "'%s'" "${value//\'/\'\'}"
}

# last_error with the application's password (or its verifier) masked too (lib.sh masks the master's).
masked_error() {
    local line
    line=$(last_error)
    printf '%s' "${line//"$app_secret"/***}"
}

postgres_sql() {
    local app=\"$APP_USER\" app_literal db=\"$DB_NAME\"
    app_literal=$(sql_literal "$APP_USER")
    cat <<SQL
SET standard_conforming_strings = on;
SET client_min_messages = warning;
BEGIN;
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $app_literal) THEN
        CREATE ROLE $app;
    ELSIF current_setting('server_version_num')::int >= 160000
        AND NOT pg_has_role(CURRENT_USER, $app_literal, 'MEMBER WITH ADMIN OPTION') THEN
        RAISE EXCEPTION 'role % exists, but % lacks the ADMIN option on it, which PostgreSQL 16 and later require to alter it (a role made on 15 or older, or by another role): give the application a new user, pulumi config set --path launchpad:database.appUsername <new name>, then pulumi up', $app_literal, CURRENT_USER;
    END IF;
END
\$\$;
ALTER ROLE $app WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD $(sql_literal "$app_secret");
GRANT CONNECT ON DATABASE $db TO $app;
GRANT USAGE ON SCHEMA public TO $app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO $app;
ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $app;
ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO $app;
DO \$\$
BEGIN
    IF pg_has_role($app_literal, CURRENT_USER, 'MEMBER') THEN
        RAISE EXCEPTION 'role % is a member of %, so it holds every privilege of the master user', $app_literal, CURRENT_USER;
    END IF;
    IF has_schema_privilege('public', 'public', 'CREATE') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    END IF;
    IF has_schema_privilege($app_literal, 'public', 'CREATE') THEN
        RAISE EXCEPTION 'role % can still create objects in schema public (PUBLIC keeps CREATE there, granted by its owner, not %)', $app_literal, CURRENT_USER;
    END IF;
    IF has_database_privilege($app_literal, current_database(), 'CREATE') THEN
        RAISE EXCEPTION 'role % can create schemas in database %', $app_literal, current_database();
    END IF;
END
\$\$;
COMMIT;
SQL
}

mysql_sql() {
    local app password db
    app="$(sql_literal "$APP_USER")@'%'"
    password=$(sql_literal "$app_secret")
    db=${DB_NAME//_/\\_}
    cat <<SQL
SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');
CREATE USER IF NOT EXISTS $app IDENTIFIED BY $password REQUIRE SSL;
ALTER USER $app IDENTIFIED BY $password REQUIRE SSL;
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$db\`.* TO $app;
SQL
}

# Sets `client`, the engine's command-line client.
find_client() {
    case $DB_ENGINE in
        mysql) client=$(find_command mariadb mysql) || die "neither mariadb nor mysql is installed" ;;
        postgres) client=$(find_command psql) || die "psql is not installed" ;;
    esac
}

# Runs the SQL on stdin with `client` as the master user, verifying the server (DB_SSL_CA, DB_HOST).
run_sql() {
    local secrets=$1
    case $DB_ENGINE in
        mysql)
            local mysql_tls=()
            mysql_client_setup "$client" "$secrets"
            bounded_client "$client" --defaults-extra-file="$secrets/client.cnf" --protocol=TCP --host="$DB_HOST" --port="$DB_PORT" \
                --user="$DB_USER" "${mysql_tls[@]}" --connect-timeout="$connect_timeout" --batch --silent "$DB_NAME" 2>"$error_log" >/dev/null
            ;;
        postgres)
            PGPASSWORD=$db_password PGCONNECT_TIMEOUT=$connect_timeout PGSSLMODE=verify-full PGSSLROOTCERT=$DB_SSL_CA PGAPPNAME=launchpad-grants \
                bounded_client "$client" --no-password --no-psqlrc --quiet --set=ON_ERROR_STOP=1 \
                --host="$DB_HOST" --port="$DB_PORT" --username="$DB_USER" --dbname="$DB_NAME" 2>"$error_log" >/dev/null
            ;;
    esac
}

main() {
    require_env DB_ENGINE DB_HOST DB_NAME DB_USER DB_PASSWORD APP_USER DB_SSL_CA
    require_engine
    # What sets the password: the verifier on PostgreSQL, the password on MySQL (see the top).
    local secret_name=APP_PASSWORD
    if [[ $DB_ENGINE == postgres ]]; then secret_name=APP_PASSWORD_VERIFIER; fi
    require_env "$secret_name"
    require_ca_file
    local name
    for name in DB_NAME DB_USER APP_USER; do
        [[ ${!name} =~ $SQL_NAME_PATTERN ]] || die "$name '${!name}' is not allowed: use a letter, then letters, digits or '_' (at most 64)" 2
    done
    [[ ${APP_USER,,} != "${DB_USER,,}" ]] || die "APP_USER '$APP_USER' is the master user: the application must connect as a user of its own" 2
    [[ $DB_PASSWORD != *$'\n'* && ${!secret_name} != *$'\n'* ]] || die "DB_PASSWORD or $secret_name contains a newline, which the clients cannot take" 2
    if [[ $DB_ENGINE == postgres && ! $APP_PASSWORD_VERIFIER =~ $SCRAM_VERIFIER_PATTERN ]]; then
        die "APP_PASSWORD_VERIFIER is no SCRAM-SHA-256 verifier (SCRAM-SHA-256\$<iterations>:<salt>\$<StoredKey>:<ServerKey>): PostgreSQL would take it for a password in clear" 2
    fi
    db_password=$DB_PASSWORD
    app_secret=${!secret_name}
    export -n DB_PASSWORD APP_PASSWORD APP_PASSWORD_VERIFIER
    resolve_db_port
    resolve_client_timeouts

    local secrets client
    find_client
    secrets=$(mktemp -d "${TMPDIR:-/tmp}/app-role.XXXXXX")
    cleanup_dir=$secrets
    open_error_log
    if ! "${DB_ENGINE}_sql" | run_sql "$secrets"; then
        if client_timed_out; then
            die "setting up $DB_ENGINE user $APP_USER on $DB_HOST:$DB_PORT/$DB_NAME as $DB_USER failed: $(client_timeout_message)"
        fi
        die "setting up $DB_ENGINE user $APP_USER on $DB_HOST:$DB_PORT/$DB_NAME as $DB_USER failed$(masked_error)"
    fi
    printf '%s: %s user %s has its password and data access (SELECT, INSERT, UPDATE, DELETE) to %s, nothing more\n' \
        "$PROG" "$DB_ENGINE" "$APP_USER" "$DB_NAME"
}

cleanup_dir=""
db_password=""
app_secret=""
# error_log is /dev/null until open_error_log: never remove that (as root, the device itself would go).
cleanup() {
    if [[ $error_log != /dev/null ]]; then rm -f "$error_log"; fi
    if [[ -n $cleanup_dir ]]; then rm -rf "$cleanup_dir"; fi
}
trap cleanup EXIT
main "$@"
