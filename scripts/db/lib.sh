# shellcheck shell=bash
# Shared by dump.sh and verify.sh (sourced, never run): error reporting, environment checks,
# the AWS CLI call and the Pushgateway push. Written for bash 4.2 and later, because the
# upload, fetch and report phases run in the AWS CLI image (Amazon Linux 2: bash 4.2, coreutils,
# grep, curl; no awk assumed): no `inherit_errexit` without a fallback, and an array that may be
# empty is expanded as ${a[@]+"${a[@]}"} (bash before 4.4 calls an empty "${a[@]}" unbound).

PROG=$(basename "$0")
export AWS_PAGER=""

# One clear line on stderr, then exit. $2 is the exit status (default 1).
die() {
    printf '%s: %s\n' "$PROG" "$1" >&2
    exit "${2:-1}"
}

# Backstop for a command that fails without its own `|| die`: still one line, never the command
# text (it could hold a value the caller passed in).
on_unexpected_error() {
    local status=$1 line=$2
    if [[ $BASH_SUBSHELL -eq 0 ]]; then
        printf '%s: unexpected failure (exit %s) at line %s\n' "$PROG" "$status" "$line" >&2
    fi
}

strict_mode() {
    set -Eeuo pipefail
    shopt -s inherit_errexit 2>/dev/null || true
    trap 'on_unexpected_error $? $LINENO' ERR
}

# Exits 2 naming every variable that is unset or empty, all in one line.
require_env() {
    local name missing=""
    for name in "$@"; do
        if [[ -z ${!name:-} ]]; then missing+=" $name"; fi
    done
    if [[ -n $missing ]]; then
        die "missing required environment variable(s):$missing" 2
    fi
}

# Database names end up in S3 keys and Pushgateway URLs: keep them to a safe alphabet. At most 64,
# the longest RDS for MySQL takes (lib/sql-names.ts MAX_NAME_LENGTH; config holds PostgreSQL to 63).
readonly DB_NAME_PATTERN='^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$'
require_db_name() {
    [[ $DB_NAME =~ $DB_NAME_PATTERN ]] ||
        die "DB_NAME '$DB_NAME' is not allowed: use letters, digits, '_' and '-' (at most 64, not starting with '-')" 2
}

require_engine() {
    case $DB_ENGINE in
        mysql | postgres) ;;
        *) die "DB_ENGINE '$DB_ENGINE' is not supported: use mysql or postgres" 2 ;;
    esac
}

# The first of the named commands found on PATH or in the sbin directories (mariadbd lives in
# /usr/sbin, which a non-root PATH often lacks); prints nothing and fails when none is found.
find_command() {
    local name dir
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        for dir in /usr/sbin /usr/local/sbin /sbin; do
            if [[ -x $dir/$name ]]; then
                printf '%s\n' "$dir/$name"
                return 0
            fi
        done
    done
    return 1
}

# DB_PORT, else the engine's default (3306, 5432); exits 2 unless it is a TCP port. Checked here, not
# left to the client: mariadb-dump reads --port=0 as its default 3306, "1K" as 1024 and 99999 as
# 34463 (modulo 65536), and dumps that server without a word (pg_dump refuses).
resolve_db_port() {
    case $DB_ENGINE in
        mysql) DB_PORT=${DB_PORT:-3306} ;;
        postgres) DB_PORT=${DB_PORT:-5432} ;;
    esac
    if ! [[ $DB_PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((DB_PORT > 65535)); then
        die "DB_PORT '$DB_PORT' is not a TCP port: use 1 to 65535" 2
    fi
}

# Sets `connect_timeout` (DB_CONNECT_TIMEOUT, default 15) and `query_timeout` (DB_QUERY_TIMEOUT,
# default 120), whole seconds from 1 to 9999, or exits 2. For the statement clients (mariadb, mysql,
# psql) of drill-check.sh and app-role.sh; dump.sh bounds its stream with its own watchdog
# (DB_READ_TIMEOUT). 120 s: their statements are a handful of catalogue lookups, GRANTs and
# COUNT(*)s of a few tables, answered in well under a second on a healthy server; a minute more than
# DB_CONNECT_TIMEOUT's default covers a cold COUNT(*) on a just-restored instance, and the sum (135 s,
# 140 with the kill grace) stays well inside the Jobs' deadlines (components/logical-backup.ts
# DRILL_CHECK_DEADLINE_SECONDS, components/database-grants.ts GRANTS_DEADLINE_SECONDS).
resolve_client_timeouts() {
    connect_timeout=${DB_CONNECT_TIMEOUT:-15}
    query_timeout=${DB_QUERY_TIMEOUT:-120}
    [[ $connect_timeout =~ ^[1-9][0-9]{0,3}$ ]] || die "DB_CONNECT_TIMEOUT '$connect_timeout' is not a number of seconds (1 to 9999)" 2
    [[ $query_timeout =~ ^[1-9][0-9]{0,3}$ ]] || die "DB_QUERY_TIMEOUT '$query_timeout' is not a number of seconds (1 to 9999)" 2
    # The Debian postgres images have coreutils (Essential); the Oracle Linux mysql images have
    # coreutils-single, the same programs in one binary, whose `sleep` and `mkfifo` dump.sh already uses.
    command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is not installed: the database client cannot be bounded by DB_QUERY_TIMEOUT"
}

# What a client cut off by bounded_client says: the limit and the variables that make it.
client_timeout_message() {
    printf 'no answer from the server within %ss (DB_CONNECT_TIMEOUT %ss to connect, then DB_QUERY_TIMEOUT %ss for the statements): the server or the network stalled, or a statement waits on a lock' \
        "$((connect_timeout + query_timeout))" "$connect_timeout" "$query_timeout"
}

# Runs the database client "$@" (an external command; assignments before the call reach it) for at
# most DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT seconds, then SIGTERM, then SIGKILL 5 s later. The
# clients' own limits do not cover this: --connect-timeout and PGCONNECT_TIMEOUT end at the
# connection, and a server-side statement_timeout (PostgreSQL) or max_execution_time (MySQL) needs
# a server that still answers, which a stalled network or server does not. Cut off, it writes
# client_timeout_message to stderr (the caller's error log; the client itself dies without a word)
# and returns 124; else the client's own status.
bounded_client() {
    local limit=$((connect_timeout + query_timeout)) start=$SECONDS status=0
    timeout --kill-after=5 "$limit" "$@" || status=$?
    # 124: timeout's own status after its SIGTERM; 137 when the client outlived it and got SIGKILL.
    if ((status == 124 || (status == 137 && SECONDS - start >= limit))); then
        client_timeout_message >&2
        printf '\n' >&2
        return 124
    fi
    return "$status"
}

# True when the call whose stderr went to the error log was cut off by bounded_client.
client_timed_out() {
    grep -q -x -F -e "$(client_timeout_message)" "$error_log" 2>/dev/null
}

# Escapes a value for a double-quoted MySQL option file value (the clients' password file).
mysql_option_value() {
    local value=${1//\\/\\\\}
    printf '%s' "${value//\"/\\\"}"
}

# For the MySQL-protocol client $1 (mariadb, mariadb-dump, mysql or mysqldump), connecting as the
# master user: sets `mysql_tls`, the client's own options that verify the server against DB_SSL_CA
# and DB_HOST, and writes `db_password` to the 0600 option file $2/client.cnf (--defaults-extra-file).
# MariaDB's clients have no --ssl-mode, and MySQL 8.0 removed --ssl and --ssl-verify-server-cert for
# --ssl-mode (MySQL worklog WL#9091, after WL#8785); MariaDB's verify nothing unless asked (10.11's
# --help: ssl-verify-server-cert FALSE). Told apart by name: only MariaDB ships mariadb and
# mariadb-dump; a MariaDB that ships only mysql/mysqldump (before 10.5) would reject --ssl-mode and
# fail, never connect unverified.
# shellcheck disable=SC2034 # mysql_tls is the caller's: dump.sh and app-role.sh pass it to the client.
mysql_client_setup() {
    local client=$1 secrets=$2
    if [[ ${client##*/} == mariadb || ${client##*/} == mariadb-dump ]]; then
        mysql_tls=(--ssl --ssl-ca="$DB_SSL_CA" --ssl-verify-server-cert)
    else
        mysql_tls=(--ssl-mode=VERIFY_IDENTITY --ssl-ca="$DB_SSL_CA")
    fi
    (
        umask 077
        printf '[client]\npassword="%s"\n' "$(mysql_option_value "$db_password")" >"$secrets/client.cnf"
    )
}

# True when file $1 holds at least one PEM certificate.
holds_pem_certificate() {
    grep -q -e '-----BEGIN CERTIFICATE-----' "$1"
}

# The database's TLS trust: DB_SSL_CA names the PEM bundle the server's certificate must chain to,
# and the dump client also checks that the certificate names DB_HOST (libpq sslmode=verify-full;
# MariaDB --ssl-verify-server-cert; MySQL --ssl-mode=VERIFY_IDENTITY). Without it TLS only encrypts:
# anyone on the path could present a certificate of their own. No mode without verification exists.
# Exits 2 unless DB_SSL_CA is a readable file holding at least one PEM certificate.
require_ca_file() {
    [[ -f $DB_SSL_CA && -r $DB_SSL_CA ]] || die "DB_SSL_CA '$DB_SSL_CA' is not a readable file: the database's certificate cannot be verified without its CA bundle" 2
    holds_pem_certificate "$DB_SSL_CA" ||
        die "DB_SSL_CA '$DB_SSL_CA' holds no PEM certificate: the database's certificate cannot be verified" 2
}

# Downloads the CA bundle at https URL $1 to $2, failing closed: only https (redirects too), curl
# verifying the download's own certificate against the image's trust store, and a file with no PEM
# certificate refused; on any failure nothing is left at $2. RDS publishes its bundles at
# https://truststore.pki.rds.amazonaws.com/ (RDS User Guide, UsingWithRDS.SSL, "Certificate bundles
# for all AWS Regions"); no AWS-owned repository carries them, so they are fetched, not vendored.
fetch_ca_bundle() {
    local url=$1 target=$2 partial reason
    [[ $url == https://* ]] || die "DB_SSL_CA_URL '$url' is not an https:// URL: the CA bundle must itself come over verified TLS" 2
    command -v curl >/dev/null 2>&1 || die "DB_SSL_CA_URL is set but curl is not installed"
    partial="$target.partial"
    if ! curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' \
        --connect-timeout 15 --max-time 60 --retry 2 -o "$partial" "$url" 2>"$error_log"; then
        rm -f "$partial"
        # curl's first line is its error ("curl: (60) SSL certificate problem: ..."); advice follows.
        reason=$(head -n 1 "$error_log")
        die "downloading the database CA bundle from $url failed${reason:+: $reason}"
    fi
    if ! holds_pem_certificate "$partial"; then
        rm -f "$partial"
        die "the database CA bundle from $url holds no PEM certificate"
    fi
    mv -f "$partial" "$target"
}

# The commands whose failure the scripts report (database clients, aws, curl) write their stderr
# here, and `last_error` appends its telling line to the script's own message, so that a failure is
# still one line on stderr. Made by open_error_log; the caller's exit trap removes it.
error_log=/dev/null
open_error_log() {
    error_log=$(mktemp "${TMPDIR:-/tmp}/$PROG-stderr.XXXXXX")
}

last_error() {
    local line=""
    if [[ -s $error_log ]]; then
        # The first line that says "error" (pg_dump puts its hints after it), else the last line.
        line=$(grep -i -m 1 'error' "$error_log") || line=$(grep -v '^[[:space:]]*$' "$error_log" | tail -n 1) || true
    fi
    line=${line#"${line%%[![:space:]]*}"}
    # A client that echoes its connection settings would print the password: never in a message.
    if [[ -n ${db_password:-} ]]; then
        line=${line//"$db_password"/***}
    fi
    printf '%s' "${line:+: $line}"
}

# The AWS CLI with this run's region and, for tests, S3_ENDPOINT_URL as --endpoint-url. Its
# connect and read timeouts are explicit (seconds; the CLI's own defaults are 60 each, retried):
# an endpoint that accepts and never answers fails the call, not the job's deadline.
aws_cli() {
    (aws_cli_exec "$@")
}

# aws_cli in another region (the DR region's replicated backups), with the same timeouts.
aws_cli_in() {
    local region=$1
    shift
    (AWS_REGION=$region aws_cli_exec "$@")
}

# aws_cli in place of the calling (sub)shell: `aws_cli_exec ... &` makes $! the AWS CLI itself.
aws_cli_exec() {
    local endpoint=()
    if [[ -n ${S3_ENDPOINT_URL:-} ]]; then endpoint=(--endpoint-url "$S3_ENDPOINT_URL"); fi
    exec aws ${endpoint[@]+"${endpoint[@]}"} --cli-connect-timeout 15 --cli-read-timeout 60 --region "$AWS_REGION" "$@"
}

# One AWS CLI call in the background, waited for: bash runs a signal's trap only once a foreground
# command has ended, so a transfer in the foreground would hold SIGTERM (and its error line) until it
# finished or the pod was killed. The caller's exit trap stops it (stop_aws).
aws_pid=""
# `$!` just before the fork, while aws_interruptible starts the CLI (stop_aws).
aws_forking=""
aws_interruptible() {
    local status=0
    aws_forking=${!:-none}
    aws_cli_exec "$@" &
    aws_pid=$!
    aws_forking=""
    # Quietly, and the signal named instead: bash's own report of a job stopped by a signal
    # ("lib.sh: line N: PID Killed aws_cli_exec ...") would be the error line the caller shows.
    { wait "$aws_pid" || status=$?; } 2>/dev/null
    aws_pid=""
    signal_stop "the AWS CLI" "$status" >&2
    return "$status"
}

# Prints why $1 stopped when its exit status $2 says a signal stopped it (128 + the signal), else
# nothing. SIGKILL is what the kernel sends when a container reaches its memory limit.
signal_stop() {
    if (($2 > 128 && $2 < 160)); then
        printf '%s was stopped by SIG%s%s\n' "$1" "$(kill -l $(($2 - 128)))" \
            "$( (($2 == 137)) && printf ' (as the kernel'"'"'s out-of-memory killer stops a container at its memory limit)')"
    fi
}

# Stops the AWS CLI call aws_interruptible is waiting for, if any: for exit traps. Bash runs a trap
# between two commands, so a signal can land after `aws_cli_exec ... &` and before `aws_pid=$!`:
# then `$!` has already moved past what it was before the fork, and names the CLI.
stop_aws() {
    if [[ -z $aws_pid && -n $aws_forking && ${!:-none} != "$aws_forking" ]]; then aws_pid=$!; fi
    aws_forking=""
    if [[ -n $aws_pid ]]; then
        kill "$aws_pid" 2>/dev/null || true
        wait "$aws_pid" 2>/dev/null || true
        aws_pid=""
    fi
}

# PUTs the Prometheus text exposition on stdin to $PUSHGATEWAY_URL/metrics/<grouping path>.
# The labels live in the grouping path only: the Pushgateway rejects bodies that repeat them.
# PUT replaces the whole group, so a later push never leaves a stale metric beside a fresh one.
# A refused connection is retried too (--retry-connrefused), for PUSHGATEWAY_RETRY_SECONDS (default
# 180; anything but 1 to 999 falls back to it): the Pushgateway is one pod (Recreate, an EBS volume)
# that a node drain or node group update moves, and while it starts again on another node, its volume
# detached and attached there, its Service has no endpoint. Tests set 1 to keep their waits short.
push_metrics() {
    local grouping=$1 window=${PUSHGATEWAY_RETRY_SECONDS:-180}
    command -v curl >/dev/null 2>&1 || die "PUSHGATEWAY_URL is set but curl is not installed"
    [[ $window =~ ^[1-9][0-9]{0,2}$ ]] || window=180
    curl --fail --silent --show-error --max-time 15 --retry 8 --retry-connrefused --retry-max-time "$window" \
        -X PUT -H 'Content-Type: text/plain; version=0.0.4' --data-binary @- \
        "${PUSHGATEWAY_URL%/}/metrics/$grouping" >/dev/null 2>"$error_log" ||
        die "pushing metrics to the Pushgateway (group $grouping) failed$(last_error)"
}

# POSTs the exposition on stdin to $PUSHGATEWAY_URL/metrics/<grouping path>, for a failed run.
# POST, not PUT: the Pushgateway's POST replaces only the metrics of the same names in the group,
# so the failure's own metrics land beside the last success's timestamp, duration and size, which
# stay intact; a PUT would replace the whole group and erase them (and with them the age the
# staleness alerts measure). A success still PUTs (push_metrics), which clears the failure's
# timestamp again.
# Runs while the script is already ending with its own error: it never fails, never writes to
# stdout or stderr (the error line and exit status stay the script's), does nothing without
# PUSHGATEWAY_URL or curl, and keeps its timeouts short for a pod that is being stopped.
# The database images (postgres, mysql) have no curl, and a dump or restore fails in them: there
# the push goes through bash's own /dev/tcp (plain http:// only, the in-cluster Pushgateway).
# PUSHGATEWAY_FAILURE_TIMEOUT (seconds, default 5) bounds each attempt; anything but 1 to 99
# falls back to 5, since this push must never fail the run. Tests set 1 to keep their waits short.
push_failure_metrics() {
    local grouping=$1 limit=${PUSHGATEWAY_FAILURE_TIMEOUT:-5}
    if [[ -z ${PUSHGATEWAY_URL:-} ]]; then return 0; fi
    [[ $limit =~ ^[1-9][0-9]?$ ]] || limit=5
    local url="${PUSHGATEWAY_URL%/}/metrics/$grouping"
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --max-time "$limit" --retry 1 \
            -X POST -H 'Content-Type: text/plain; version=0.0.4' --data-binary @- \
            "$url" >/dev/null 2>&1 || true
    elif command -v timeout >/dev/null 2>&1; then
        # timeout bounds the connect too, which /dev/tcp itself never gives up on.
        timeout "$limit" bash -c "$(declare -f http_post_devtcp); http_post_devtcp \"\$1\"" _ "$url" >/dev/null 2>&1 || true
    fi
}

# POSTs stdin to an http:// URL with bash's /dev/tcp; succeeds on a 2xx status. ASCII bodies only
# (Content-Length counts characters), which an exposition of Launchpad's metrics is.
http_post_devtcp() {
    local url=$1 rest hostport path host port body status fd
    [[ $url == http://* ]] || return 1
    rest=${url#http://}
    hostport=${rest%%/*}
    path=/; [[ $rest == */* ]] && path=/${rest#*/}
    host=${hostport%%:*}
    port=80; [[ $hostport == *:* ]] && port=${hostport##*:}
    body=$(cat; printf x); body=${body%x}
    exec {fd}<>"/dev/tcp/$host/$port" || return 1
    printf 'POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
        "$path" "$hostport" "${#body}" "$body" >&"$fd"
    IFS=' ' read -r _ status _ <&"$fd" || status=""
    exec {fd}>&-
    [[ $status == 2* ]]
}
