#!/usr/bin/env bash
# Restore test of the newest backup: an untested backup is no backup.
# Downloads the newest <db>-<stamp>.sql.gz under a prefix with its .sha256, checks it, restores it
# into a throw-away server of the same engine (its own data directory, reachable only through a
# unix socket in that directory: no port, nothing shared), and checks that every CRITICAL_TABLES
# table exists and has rows. Prints one JSON line on stdout, pass or fail:
#   {"engine":"mysql","database":"shop","key":"daily/shop/…","restore_seconds":1.234,
#    "tables":{"customers":3,"orders":5},"verdict":"ok"}
# and on failure also "reason" (one of the words below) and "message"; a table that is not there
# counts as null. (A configuration error, exit 2, prints only its stderr line.) The server is
# stopped and its data removed on every exit, a signal included.
#
# Usage: verify.sh [all|fetch|restore|report]                                   (default: all)
#   fetch    download the newest dump and its .sha256 into $WORK_DIR     (AWS CLI image)
#            as dump.sql.gz and dump.sql.gz.sha256, with verify.env (object key, start time)
#   restore  check, restore into a throw-away server, check the tables    (DB server image)
#   report   push the metrics of a passed restore, when PUSHGATEWAY_URL   (AWS CLI image: curl)
#   all      the three in turn; in a private temporary directory unless WORK_DIR is set
#
# Environment
#   DB_NAME            database name: the default prefix, and the name restored into  [fetch, restore]
#   BACKUP_BUCKET, AWS_REGION                                                        [fetch]
#   VERIFY_PREFIX      where to look for dumps; default daily/$DB_NAME/               [fetch]
#   S3_ENDPOINT_URL    optional, passed to the AWS CLI as --endpoint-url              [fetch]
#   DB_ENGINE          mysql | postgres                                               [restore]
#   CRITICAL_TABLES    comma-separated tables that must exist and have rows; empty or
#                      unset: only that the dump restores is checked                   [restore]
#                      (postgres: optionally schema-qualified, e.g. public.orders)
#   VERIFY_START_TIMEOUT  seconds to wait for the throw-away server; default 60       [restore]
#   VERIFY_RUN_AS      postgres only, when run as root: the user that runs the server
#                      (PostgreSQL refuses root); default postgres, else nobody       [restore]
#   PG_BINDIR          postgres only: where initdb and pg_ctl are; default from PATH,
#                      else the newest /usr/lib/postgresql/*/bin                      [restore]
#   PUSHGATEWAY_URL    optional: push launchpad_restore_verify_* (needs curl)         [report; failures: all]
#   PUSHGATEWAY_JOB    the job label; default launchpad-db-restore-verify             [report; failures: all]
#   PUSHGATEWAY_FAILURE_TIMEOUT  seconds per try of a failure push; default 5   [failures: all]
#   PUSHGATEWAY_RETRY_SECONDS    how long a refused push is retried; default 180 [report]
#   WORK_DIR           the directory the phases share; required for a phase alone
#
# Failure reasons: missing (no dump under the prefix), download_failed, checksum_missing,
# empty, checksum_mismatch, truncated (gzip -t), incomplete (no "dump complete" trailer),
# server (the throw-away server would not start), sql_error, table_missing, table_empty,
# interrupted (SIGINT or SIGTERM; exit 130 or 143).
# Metrics, in the group job/<job>/database/<DB_NAME> (when PUSHGATEWAY_URL is set):
#   a passed restore (report; PUT, the whole group): launchpad_restore_verify_last_success_timestamp_seconds,
#     launchpad_restore_verify_duration_seconds, launchpad_restore_verify_last_run_success 1
#   a failure of any phase, a signal included (POST, beside the last success's metrics):
#     launchpad_restore_verify_last_failure_timestamp_seconds, launchpad_restore_verify_last_run_success 0
# Exit status: 0 verified, 1 failed verification, 2 configuration error.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tables.sh
source "$(dirname "$0")/tables.sh"
strict_mode

readonly META=verify.env DUMP=dump.sql.gz

# Set by main for the phases that are part of a run: their failures are pushed.
report_failures=false

# The 0/1 gauge both the success and the failure push carry, with one HELP text.
run_success_metric() {
    printf '%s\n' \
        '# HELP launchpad_restore_verify_last_run_success Whether the last restore check passed (1) or failed (0).' \
        '# TYPE launchpad_restore_verify_last_run_success gauge' \
        "launchpad_restore_verify_last_run_success $1"
}

# What the JSON line reports; filled in as the phases learn it.
result_key=""
result_restore_seconds=""
result_tables=""

json_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    s=${s//[[:cntrl:]]/ }
    printf '"%s"' "$s"
}

json_or_null() {
    if [[ -n $1 ]]; then json_string "$1"; else printf 'null'; fi
}

# Prints the JSON line; $1 verdict, $2 reason and $3 message when failed.
emit_result() {
    local line
    line="{\"engine\":$(json_or_null "${DB_ENGINE:-}"),\"database\":$(json_or_null "${DB_NAME:-}")"
    line+=",\"key\":$(json_or_null "$result_key"),\"restore_seconds\":${result_restore_seconds:-null}"
    line+=",\"tables\":{$result_tables},\"verdict\":$(json_string "$1")"
    if [[ $# -gt 1 ]]; then line+=",\"reason\":$(json_string "$2"),\"message\":$(json_string "$3")"; fi
    printf '%s}\n' "$line"
}

# A failed verification: the JSON line on stdout, one line on stderr, exit 1.
fail() {
    local reason=$1 message=$2
    emit_result fail "$reason" "$message"
    die "$reason: $message"
}

now_ms() { date -u +%s%3N; }

# Written to a new file and renamed over the old one: the phases may run as different users
# (fetch in the AWS CLI image, restore in the database image), and a user who may not write the
# other's file may still replace it in a directory both can write.
save_meta() {
    {
        printf 'VERIFY_KEY=%q\n' "$result_key"
        printf 'VERIFY_START=%q\n' "$verify_start"
        printf 'VERIFY_RESTORE_SECONDS=%q\n' "$result_restore_seconds"
        printf 'VERIFY_VERDICT=%q\n' "${verify_verdict:-}"
    } >"$WORK_DIR/$META.$$"
    mv -f "$WORK_DIR/$META.$$" "$WORK_DIR/$META"
}

load_meta() {
    [[ -f $WORK_DIR/$META ]] || fail missing "no downloaded dump in WORK_DIR '$WORK_DIR': run the fetch phase first"
    local VERIFY_KEY VERIFY_START VERIFY_RESTORE_SECONDS VERIFY_VERDICT
    # shellcheck source=/dev/null
    source "$WORK_DIR/$META"
    result_key=$VERIFY_KEY
    verify_start=$VERIFY_START
    result_restore_seconds=$VERIFY_RESTORE_SECONDS
    verify_verdict=$VERIFY_VERDICT
}

# Sets `result_key` to the newest dump in the listing $1 (keys separated by tabs or newlines)
# that has its .sha256 beside it: a complete upload (dump.sh writes the checksum first). Keys embed
# the UTC date and time, so the newest is the last in byte order. Sets `newest_partial` to the
# newest .sql.gz without one when no dump is complete. Plain bash: the AWS CLI image has no awk.
newest_complete_dump() {
    local keys key i
    local -A has_sum=()
    mapfile -t keys < <(tr '\t' '\n' <<<"$1" | LC_ALL=C sort)
    for key in ${keys[@]+"${keys[@]}"}; do
        if [[ $key == *.sql.gz.sha256 ]]; then has_sum[${key%.sha256}]=1; fi
    done
    result_key="" newest_partial=""
    for ((i = ${#keys[@]} - 1; i >= 0; i--)); do
        key=${keys[i]}
        [[ $key == *.sql.gz ]] || continue
        if [[ -n ${has_sum[$key]:-} ]]; then
            result_key=$key
            return 0
        fi
        if [[ -z $newest_partial ]]; then newest_partial=$key; fi
    done
}

phase_fetch() {
    require_env BACKUP_BUCKET AWS_REGION DB_NAME WORK_DIR
    require_db_name
    command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed"
    local prefix=${VERIFY_PREFIX:-daily/$DB_NAME/} listing
    verify_start=$(date -u +%s)
    rm -f "$WORK_DIR/$DUMP" "$WORK_DIR/$DUMP.sha256" "$WORK_DIR/$META"

    listing=$(aws_cli s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$prefix" \
        --query 'Contents[].Key' --output text 2>"$error_log") ||
        fail download_failed "listing s3://$BACKUP_BUCKET/$prefix failed$(last_error)"
    newest_complete_dump "$listing"
    if [[ -z $result_key ]]; then
        [[ -n $newest_partial ]] || fail missing "no .sql.gz dump under s3://$BACKUP_BUCKET/$prefix"
        result_key=$newest_partial
        fail checksum_missing "s3://$BACKUP_BUCKET/$result_key.sha256 is missing, so the upload did not finish, and no older dump under s3://$BACKUP_BUCKET/$prefix is complete"
    fi

    aws_interruptible s3 cp --only-show-errors "s3://$BACKUP_BUCKET/$result_key" "$WORK_DIR/$DUMP" 2>"$error_log" ||
        fail download_failed "downloading s3://$BACKUP_BUCKET/$result_key failed$(last_error)"
    aws_interruptible s3 cp --only-show-errors "s3://$BACKUP_BUCKET/$result_key.sha256" "$WORK_DIR/$DUMP.sha256" 2>"$error_log" ||
        fail checksum_missing "s3://$BACKUP_BUCKET/$result_key.sha256 is missing or unreadable, so the upload did not finish$(last_error)"
    save_meta
}

# Checks the downloaded file before any server is started; sets `marker`.
check_file() {
    local file=$WORK_DIR/$DUMP expected actual trailer
    case $DB_ENGINE in
        mysql) marker='-- Dump completed' ;;
        postgres) marker='-- PostgreSQL database dump complete' ;;
    esac
    [[ -f $file ]] || fail missing "no downloaded dump at $file"
    [[ -s $file ]] || fail empty "$result_key is empty (0 bytes)"
    [[ -f $file.sha256 ]] || fail checksum_missing "no checksum beside $file"
    expected=$(head -n 1 "$file.sha256")
    expected=${expected%%[[:space:]]*}
    [[ $expected =~ ^[0-9a-f]{64}$ ]] || fail checksum_missing "$result_key.sha256 does not hold a sha256"
    actual=$(sha256sum <"$file")
    actual=${actual%%[[:space:]]*}
    [[ $actual == "$expected" ]] ||
        fail checksum_mismatch "$result_key has sha256 $actual, its .sha256 says $expected"
    gzip -t "$file" 2>/dev/null || fail truncated "$result_key is not a whole gzip stream (gzip -t failed)"
    trailer=$(gzip -dc "$file" | tail -n 10)
    [[ -n $trailer ]] || fail empty "$result_key decompresses to nothing"
    [[ $trailer == *"$marker"* ]] ||
        fail incomplete "$result_key does not end with '$marker': the dump stopped early"
}

# --- the throw-away server --------------------------------------------------------------------
# Set by start_*; read by cleanup, which stops whatever was started and removes `server_dir`.
server_dir=""
server_pid=""
pg_ctl_cmd=""

# Runs "$@" (a restore) as a background job and waits for it. In the foreground it would hold
# off INT and TERM until it ended; `wait` returns at once, so the exit trap can stop the server,
# which ends the restore, and then reap it.
background_pid=""
background_stop=""
run_interruptible() {
    "$@" &
    background_pid=$!
    local status=0
    # Quietly: bash reports a job stopped by a signal ("line N: PID Killed ...") on stderr, a second
    # line that names no cause; background_stop names the signal for restore_error instead.
    { wait "$background_pid" || status=$?; } 2>/dev/null
    background_pid=""
    background_stop=$(signal_stop "the restore" "$status")
    return "$status"
}

# Called once the server is stopped: the restore talking to it has ended or is ending.
reap_background() {
    if [[ -n $background_pid ]]; then
        wait "$background_pid" 2>/dev/null || true
        background_pid=""
    fi
}

# Runs a PostgreSQL server program as `run_as` when we are root (PostgreSQL refuses root).
as_server_user() {
    if [[ -n ${run_as:-} ]]; then
        "$runuser_cmd" -u "$run_as" -- "$@"
    else
        "$@"
    fi
}

wait_for() {
    local deadline=$(($(date +%s) + ${VERIFY_START_TIMEOUT:-60}))
    until "$@" >/dev/null 2>&1; do
        if [[ -n $server_pid ]] && ! kill -0 "$server_pid" 2>/dev/null; then return 1; fi
        if [[ $(date +%s) -ge $deadline ]]; then return 1; fi
        sleep 0.2
    done
}

start_mysql() {
    local install="" server user_args=() extra_args=()
    server=$(find_command mariadbd mysqld) || fail server "mariadbd (or mysqld) is not installed"
    mysql_client=$(find_command mariadb mysql) || fail server "the mariadb (or mysql) client is not installed"
    mysql_admin=$(find_command mariadb-admin mysqladmin) || fail server "mariadb-admin (or mysqladmin) is not installed"
    if [[ $(id -u) -eq 0 ]]; then user_args=(--user=root); fi
    socket=$server_dir/mysqld.sock

    if [[ $("$server" --version 2>/dev/null) == *MariaDB* ]]; then
        install=$(find_command mariadb-install-db mysql_install_db) || fail server "mariadb-install-db is not installed"
        "$install" --no-defaults --datadir="$server_dir/data" ${user_args[@]+"${user_args[@]}"} \
            --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
            >"$server_dir/install.log" 2>&1 ||
            fail server "mariadb-install-db failed: $(tail -n 1 "$server_dir/install.log")"
    else
        # MySQL (the verify job's mysql image): a MySQL 8 dump needs a MySQL 8 server (its
        # utf8mb4_0900_* collations do not exist in MariaDB). Not exercised by the tests here:
        # Debian ships no MySQL server; see the README.
        "$server" --no-defaults --initialize-insecure --datadir="$server_dir/data" ${user_args[@]+"${user_args[@]}"} \
            --log-error="$server_dir/install.log" >/dev/null 2>&1 ||
            fail server "mysqld --initialize-insecure failed: $(tail -n 1 "$server_dir/install.log")"
        # No X Protocol socket (it defaults under /var/run) and no file import/export directory.
        extra_args=(--mysqlx=OFF --secure-file-priv=NULL)
    fi
    "$server" --no-defaults --datadir="$server_dir/data" ${user_args[@]+"${user_args[@]}"} \
        --socket="$socket" --skip-networking --pid-file="$server_dir/mysqld.pid" \
        --log-error="$server_dir/error.log" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
        --max-allowed-packet=1G --character-set-server=utf8mb4 ${extra_args[@]+"${extra_args[@]}"} </dev/null >/dev/null 2>&1 &
    server_pid=$!
    wait_for "$mysql_admin" --no-defaults --socket="$socket" --user=root ping ||
        fail server "mariadbd did not start: $(tail -n 1 "$server_dir/error.log" 2>/dev/null)"
}

mysql_sql() {
    "$mysql_client" --no-defaults --socket="$socket" --user=root --batch --skip-column-names "$@"
}

restore_mysql() {
    mysql_sql -e "CREATE DATABASE \`$DB_NAME\`" || fail server "could not create database $DB_NAME"
    run_interruptible restore_stream_mysql ||
        fail sql_error "restoring $result_key failed: $(restore_error "$server_dir/restore.err")"
}

# The line of a restore's stderr that says what failed: the client's "ERROR ..." line, else the
# first line that is not blank or a rule of dashes (the mysql client frames a failed statement with
# "--------------" lines, which alone say nothing).
restore_error() {
    local line
    if [[ -n $background_stop ]]; then
        printf '%s' "$background_stop"
        return
    fi
    line=$(grep -m 1 -E '^(ERROR|psql:.*ERROR)' "$1") ||
        line=$(grep -m 1 -v -E '^[[:space:]]*(-+[[:space:]]*)?$' "$1") || line="the client gave no reason"
    printf '%s' "$line"
}

restore_stream_mysql() {
    gzip -dc "$WORK_DIR/$DUMP" |
        mysql_sql --max-allowed-packet=1G --default-character-set=utf8mb4 --database="$DB_NAME" \
            2>"$server_dir/restore.err" >/dev/null
}

# One statement of tables.sh's critical table checks, printing its one value: as the server's root
# user over the socket (mysql), as its superuser in DB_NAME (postgres).
db_query() {
    case $DB_ENGINE in
        mysql) mysql_sql -e "$1" ;;
        postgres) psql_at "$DB_NAME" --tuples-only --no-align --command="$1" ;;
    esac
}

postgres_bindir() {
    local found
    if [[ -n ${PG_BINDIR:-} ]]; then
        printf '%s\n' "$PG_BINDIR"
    elif found=$(command -v pg_ctl 2>/dev/null); then
        dirname "$(readlink -f "$found")"
    else
        find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1
    fi
}

start_postgres() {
    local bindir
    bindir=$(postgres_bindir)
    [[ -n $bindir && -x $bindir/initdb && -x $bindir/pg_ctl && -x $bindir/psql ]] ||
        fail server "initdb, pg_ctl and psql not found (set PG_BINDIR)"
    psql_cmd=$bindir/psql
    run_as=""
    if [[ $(id -u) -eq 0 ]]; then
        runuser_cmd=$(find_command runuser) ||
            fail server "PostgreSQL refuses to run as root, and runuser (util-linux) is not installed: run as a non-root user"
        run_as=${VERIFY_RUN_AS:-}
        if [[ -z $run_as ]]; then
            if id postgres >/dev/null 2>&1; then run_as=postgres; else run_as=nobody; fi
        fi
        chown "$run_as" "$server_dir"
        as_server_user test -w "$server_dir" ||
            fail server "user $run_as cannot reach $server_dir: set TMPDIR to a directory it can enter"
    fi

    as_server_user "$bindir/initdb" --pgdata="$server_dir/data" --username=verify --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$server_dir/initdb.log" 2>&1 ||
        fail server "initdb failed: $(tail -n 1 "$server_dir/initdb.log")"
    pg_ctl_cmd=$bindir/pg_ctl
    as_server_user "$pg_ctl_cmd" --pgdata="$server_dir/data" --log="$server_dir/server.log" \
        --wait --timeout="${VERIFY_START_TIMEOUT:-60}" \
        -o "-c listen_addresses='' -k '$server_dir' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >/dev/null 2>&1 ||
        fail server "postgres did not start: $(tail -n 1 "$server_dir/server.log" 2>/dev/null)"
}

psql_at() {
    local db=$1
    shift
    "$psql_cmd" --no-psqlrc --quiet --host="$server_dir" --username=verify --dbname="$db" "$@"
}

restore_postgres() {
    psql_at postgres --command="CREATE DATABASE \"$DB_NAME\"" >/dev/null 2>&1 ||
        fail server "could not create database $DB_NAME"
    run_interruptible restore_stream_postgres ||
        fail sql_error "restoring $result_key failed: $(grep -m 1 -i 'error' "$server_dir/restore.err" || head -n 1 "$server_dir/restore.err")"
}

restore_stream_postgres() {
    gzip -dc "$WORK_DIR/$DUMP" |
        psql_at "$DB_NAME" --set=ON_ERROR_STOP=1 --single-transaction >/dev/null 2>"$server_dir/restore.err"
}

stop_server() {
    local i
    if [[ -n $pg_ctl_cmd && -f $server_dir/data/postmaster.pid ]]; then
        as_server_user "$pg_ctl_cmd" --pgdata="$server_dir/data" --mode=immediate --wait stop >/dev/null 2>&1 || true
        if [[ -f $server_dir/data/postmaster.pid ]]; then
            kill -KILL "$(head -n 1 "$server_dir/data/postmaster.pid")" 2>/dev/null || true
        fi
    fi
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
    pg_ctl_cmd=""
}

phase_restore() {
    require_env DB_ENGINE DB_NAME WORK_DIR
    require_engine
    require_db_name
    local tables table_rows marker i t0 missing_tables empty_tables failed_table ms
    parse_critical_tables "the dump restores"
    load_meta
    result_restore_seconds=""
    verify_verdict=""
    save_meta
    check_file

    server_dir=$(mktemp -d "${TMPDIR:-/tmp}/verify-$DB_ENGINE.XXXXXX")
    chmod 700 "$server_dir"
    "start_$DB_ENGINE"
    t0=$(now_ms)
    "restore_$DB_ENGINE"

    count_critical_tables || fail sql_error "counting the rows of $failed_table failed$(last_error)"
    for i in ${tables[@]+"${!tables[@]}"}; do
        if [[ -n $result_tables ]]; then result_tables+=","; fi
        result_tables+="$(json_string "${tables[i]}"):${table_rows[i]:-null}"
    done
    ms=$(($(now_ms) - t0))
    result_restore_seconds=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
    stop_server

    [[ -z $missing_tables ]] || fail table_missing "critical table(s) missing after restore:$missing_tables"
    [[ -z $empty_tables ]] || fail table_empty "critical table(s) empty after restore:$empty_tables"
    verify_verdict=ok
    save_meta
    emit_result ok
}

phase_report() {
    require_env DB_NAME WORK_DIR
    require_db_name
    load_meta
    [[ $verify_verdict == ok ]] || die "no passed restore in WORK_DIR '$WORK_DIR': metrics not pushed"
    if [[ -z ${PUSHGATEWAY_URL:-} ]]; then return 0; fi
    local now
    now=$(date -u +%s)
    push_metrics "job/${PUSHGATEWAY_JOB:-launchpad-db-restore-verify}/database/$DB_NAME" <<EOF
# HELP launchpad_restore_verify_last_success_timestamp_seconds When a backup last restored and passed its checks.
# TYPE launchpad_restore_verify_last_success_timestamp_seconds gauge
launchpad_restore_verify_last_success_timestamp_seconds $now
# HELP launchpad_restore_verify_duration_seconds How long the last passed restore test took, download to checks.
# TYPE launchpad_restore_verify_duration_seconds gauge
launchpad_restore_verify_duration_seconds $((now - verify_start))
$(run_success_metric 1)
EOF
}

# A failed check (any exit but 0, a signal included) tells the Pushgateway when it failed;
# quietly, so that the JSON line, the error line and the exit status are what remain.
report_failure() {
    [[ ${DB_NAME:-} =~ $DB_NAME_PATTERN ]] || return 0
    local now
    now=$(date -u +%s)
    push_failure_metrics "job/${PUSHGATEWAY_JOB:-launchpad-db-restore-verify}/database/$DB_NAME" <<EOF
# HELP launchpad_restore_verify_last_failure_timestamp_seconds When a restore check last failed.
# TYPE launchpad_restore_verify_last_failure_timestamp_seconds gauge
launchpad_restore_verify_last_failure_timestamp_seconds $now
$(run_success_metric 0)
EOF
}

cleanup_dirs=()
open_error_log
cleanup_dirs+=("$error_log")
cleanup() {
    local status=$?
    trap - ERR
    stop_aws
    stop_server
    reap_background
    # After the server is down (a signal's exit stays prompt); `|| true` also turns errexit off
    # inside: nothing in the report may change the exit status.
    if [[ $status -ne 0 && $report_failures == true ]]; then report_failure || true; fi
    if [[ -n $server_dir ]]; then rm -rf "$server_dir"; fi
    rm -rf ${cleanup_dirs[@]+"${cleanup_dirs[@]}"}
    exit "$status"
}
# A signal still gets its JSON line and its one stderr line; the exit trap then cleans up. The line
# goes to the script's own stderr, kept here: the trap may run inside a call whose stderr is
# redirected to the error log (a download).
exec {script_stderr}>&2
on_signal() {
    emit_result fail interrupted "stopped by SIG$1"
    printf '%s: interrupted: stopped by SIG%s\n' "$PROG" "$1" >&"$script_stderr"
    exit "$2"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

main() {
    local phase=${1:-all}
    verify_start=""
    verify_verdict=""
    case $phase in
        fetch | restore | report | all) report_failures=true ;;
    esac
    case $phase in
        fetch) phase_fetch ;;
        restore) phase_restore ;;
        report) phase_report ;;
        all)
            if [[ -z ${WORK_DIR:-} ]]; then
                WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/verify.XXXXXX")
                cleanup_dirs+=("$WORK_DIR")
            fi
            phase_fetch
            phase_restore
            phase_report
            ;;
        *) die "unknown phase '$phase': use all, fetch, restore or report" 2 ;;
    esac
}

main "$@"
