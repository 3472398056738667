#!/usr/bin/env bash
# Logical backup of one database to S3, in tiers whose prefixes carry the retention:
#   s3://$BACKUP_BUCKET/<tier>/<db>/<YYYY>/<MM>/<DD>/<db>-<YYYYMMDD>T<HHMMSS>Z.sql.gz (+ .sha256)
# Tier `daily` every run, `weekly` on WEEKLY_DAY, `monthly` on day 1, `yearly` on 1 January; the
# bucket's lifecycle rules by prefix (daily/ 30 d, weekly/ 84 d, monthly/ 365 d, yearly/ 2555 d)
# do the expiry. The .sha256 is uploaded before its dump, so every dump object has one; a .sha256
# alone is an unfinished upload, and the newest complete dump is the newest .sql.gz with its .sha256.
# A run whose day (BACKUP_DATE, default the day the CronJob scheduled it for, see scheduled_day)
# already has a complete daily dump, a retry of a run that failed in a later tier, does not dump or
# upload again: it copies that dump server-side to the tiers still missing one. So the upload
# needs s3:PutObject on <tier>/*, s3:ListBucket on the tier prefixes and s3:GetObject on daily/*
# (the copy's source), plus kms:GenerateDataKey and kms:Decrypt for an SSE-KMS bucket (S3 needs
# Decrypt to complete a multipart upload and to copy).
#
# Usage: dump.sh [all|check|dump|upload|tiers]                                   (default: all)
#   check   look for the day's complete daily dump; `dump` then reuses it (AWS CLI image)
#   dump    dump, compress and checksum into $WORK_DIR          (DB client image: mariadb, postgres)
#   upload  upload what `dump` left in $WORK_DIR, push metrics  (AWS CLI image: aws, curl)
#   all     check, dump and upload; in a private temporary directory unless WORK_DIR is set
#   tiers   print the tiers BACKUP_DATE selects, one a line (no database, no network)
#
# Environment
#   DB_ENGINE          mysql | postgres                                             [dump]
#   DB_HOST, DB_NAME, DB_USER, DB_PASSWORD                                          [dump]
#   DB_PORT            1 to 65535; default 3306 (mysql), 5432 (postgres)            [dump]
#   DB_CONNECT_TIMEOUT seconds the server may take to answer at all; default 15     [dump]
#   DB_READ_TIMEOUT    seconds the dump may go without a byte; default 600          [dump]
#   DB_SSL_CA          PEM bundle the server's certificate must chain to; the client
#                      also checks that it names DB_HOST (see "TLS" below)          [dump]
#   DB_SSL_CA_URL      optional: https:// URL the check phase downloads DB_SSL_CA from
#                      (the CronJob: AWS's RDS bundle; needs curl)                  [check]
#   BACKUP_BUCKET, AWS_REGION                                                       [check, upload]
#   S3_ENDPOINT_URL    optional, passed to the AWS CLI as --endpoint-url            [check, upload]
#   PUSHGATEWAY_URL    optional: push launchpad_backup_* per tier (needs curl)      [upload; failures: all]
#   PUSHGATEWAY_JOB    the job label; default launchpad-db-backup                   [upload; failures: all]
#   PUSHGATEWAY_FAILURE_TIMEOUT  seconds per try of a failure push; default 5   [failures: all]
#   PUSHGATEWAY_RETRY_SECONDS    how long a refused push is retried; default 180 [upload]
#   BACKUP_DATE        YYYY-MM-DD the run is for; default the scheduled day (JOB_NAME), else today
#                      (UTC)                                                  [check, dump, tiers]
#   JOB_NAME           the pod's Job (label batch.kubernetes.io/job-name): a CronJob's Job name
#                      carries the scheduled time, so a retry keeps its day    [check, dump, tiers]
#   WEEKLY_DAY         ISO weekday of the weekly tier, 1 (Mon) to 7 (Sun); default 7 [dump, tiers]
#   WORK_DIR           the directory the phases share; required for `dump` or `upload` alone
#
# TLS to the database is always verified, never only encrypted: the server's certificate must chain
# to DB_SSL_CA and name DB_HOST, else the dump fails before a byte of data moves. pg_dump runs with
# sslmode=verify-full and sslrootcert=DB_SSL_CA (libpq "SSL Support": "verify-full ... I want to be
# sure that I connect to a server I trust, and that it's the one I specify"); MariaDB's mariadb-dump
# with --ssl-ca and --ssl-verify-server-cert; MySQL's mysqldump (the mysql images) with --ssl-ca and
# --ssl-mode=VERIFY_IDENTITY, the option each client has (RDS User Guide, mariadb-ssl-connections
# and mysql-ssl-connections). The bundle comes from DB_SSL_CA_URL, downloaded by the check phase in
# the AWS CLI image (the database images have no curl) into the WORK_DIR both phases share.
#
# The password is never on a command line or in output: mysql reads it from a 0600 option file
# in a private directory removed on exit, pg_dump from PGPASSWORD set for that one command, and
# DB_PASSWORD is un-exported so no other child (gzip, aws, curl) inherits it.
#
# PostgreSQL uses pg_dump's plain format, gzip-compressed, rather than the custom format:
#  - one artefact and one set of checks for both engines: gzip -t finds truncation, the
#    "dump complete" trailer finds a dump that stopped early, before any server is started;
#  - it restores with psql alone into the same or a newer major version, and can be read or
#    cut by hand for a partial recovery;
#  - what custom format adds (parallel and selective pg_restore) pays off only for dumps of many
#    GB; switch to --format=directory --jobs when restore time, not size, is the limit.
# --no-owner --no-privileges: the RDS master user is no superuser and roles belong to the
# infrastructure code, so a restore must succeed as whichever user runs it; grants are reapplied
# by the same code that made them.
#
# Metrics, per tier group job/<job>/database/<db>/tier/<tier> (when PUSHGATEWAY_URL is set):
#   success (PUT, the whole group): launchpad_backup_last_success_timestamp_seconds,
#     launchpad_backup_duration_seconds, launchpad_backup_size_bytes, launchpad_backup_last_run_success 1
#   failure, of any phase but `tiers`, a signal included (POST, beside the last success's metrics):
#     launchpad_backup_last_failure_timestamp_seconds, launchpad_backup_last_run_success 0
#     for the tiers of the run once known (BACKUP_DATE resolved, or the dump's backup.env read), else daily
#
# Exit status: 0 on success, 1 on any failure, 2 on a configuration error; one line on stderr.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
strict_mode

readonly META=backup.env
readonly REUSE_META=reuse.env

# What a failure is reported for: set as the run learns the database and its tiers.
run_db=""
run_tiers=""
report_failures=false

# The 0/1 gauge both the success and the failure push carry (one HELP text for both: the
# Pushgateway wants a metric's metadata the same in every push).
run_success_metric() {
    printf '%s\n' \
        '# HELP launchpad_backup_last_run_success Whether the last backup run of this tier succeeded (1) or failed (0).' \
        '# TYPE launchpad_backup_last_run_success gauge' \
        "launchpad_backup_last_run_success $1"
}

# Prints the tiers for date $1 (YYYY-MM-DD) with the weekly tier on ISO weekday $2.
tiers_for() {
    local day=$1 weekly_day=$2 weekday month_day
    weekday=$(date -u -d "$day" +%u)
    month_day=$(date -u -d "$day" +%m%d)
    echo daily
    if [[ $weekday == "$weekly_day" ]]; then echo weekly; fi
    if [[ $month_day == ??01 ]]; then echo monthly; fi
    if [[ $month_day == 0101 ]]; then echo yearly; fi
}

# Prints the UTC day the CronJob scheduled this run for, read from JOB_NAME, or fails. The CronJob
# controller names each Job `<cronjob>-<scheduled time in minutes since the epoch>` (kubernetes
# pkg/controller/cronjob/utils.go, getJobName and getTimeHashInMinutes), and every pod of that Job,
# a retry's included, carries the name in its `batch.kubernetes.io/job-name` label, which the
# CronJob passes in as JOB_NAME. So a run scheduled on one day and retried after midnight stays that
# day's run: its tiers, its object keys and its "already complete" check are the scheduled day's,
# not the next one's (which would take a second, locked dump and leave the first day's weekly,
# monthly or yearly copy unfinished). A name without such a number, or with a time that cannot be
# this Job's (in the future, or more than two days back: `kubectl create job manual-1 --from=...`),
# is not a scheduled run: the day is then today's.
scheduled_day() {
    local minutes now
    [[ ${JOB_NAME:-} =~ -([0-9]{1,12})$ ]] || return 1
    minutes=$((10#${BASH_REMATCH[1]}))
    now=$(date -u +%s)
    ((minutes * 60 <= now + 300 && now - minutes * 60 <= 2 * 86400)) || return 1
    date -u -d "@$((minutes * 60))" +%F
}

# Sets `day` (BACKUP_DATE, else the day the CronJob scheduled this run for, else today, UTC),
# `day_given` (true when BACKUP_DATE set it) and `weekly` (WEEKLY_DAY or 7), or exits 2. Run in the
# main shell, not in $(...), so that a bad value ends the script with exactly one line.
resolve_schedule() {
    day=${BACKUP_DATE:-}
    day_given=true
    if [[ -z $day ]]; then
        day_given=false
        day=$(scheduled_day) || day=$(date -u +%F)
    fi
    [[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ && $(date -u -d "$day" +%F 2>/dev/null) == "$day" ]] ||
        die "BACKUP_DATE '$day' is not a date: use YYYY-MM-DD" 2
    weekly=${WEEKLY_DAY:-7}
    [[ $weekly =~ ^[1-7]$ ]] || die "WEEKLY_DAY '$weekly' is not an ISO weekday: use 1 (Monday) to 7 (Sunday)" 2
}

# Sets `dump_client` and `mysql_tls` (the verifying TLS options of the mysql client found), and for
# mysql writes the 0600 option file holding the password into $1.
prepare_client() {
    local secrets=$1
    case $DB_ENGINE in
        mysql)
            dump_client=$(find_command mariadb-dump mysqldump) || die "neither mariadb-dump nor mysqldump is installed"
            mysql_client_setup "$dump_client" "$secrets"
            ;;
        postgres)
            dump_client=$(find_command pg_dump) || die "pg_dump is not installed"
            ;;
    esac
}

# Streams the uncompressed dump of $DB_NAME to stdout. Run in the background: the client replaces
# the subshell (exec), so $! is the client itself, which the deadlines below can watch and stop.
dump_stream() {
    local secrets=$1
    case $DB_ENGINE in
        mysql)
            exec "$dump_client" --defaults-extra-file="$secrets/client.cnf" --protocol=TCP \
                --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" "${mysql_tls[@]}" \
                --single-transaction --routines --triggers --events \
                --hex-blob --no-tablespaces --default-character-set=utf8mb4 \
                "$DB_NAME" 2>"$error_log"
            ;;
        postgres)
            PGPASSWORD=$db_password PGCONNECT_TIMEOUT=$connect_timeout PGSSLMODE=verify-full PGSSLROOTCERT=$DB_SSL_CA \
                exec "$dump_client" --no-password \
                --host="$DB_HOST" --port="$DB_PORT" --username="$DB_USER" --dbname="$DB_NAME" \
                --format=plain --no-owner --no-privileges 2>"$error_log"
            ;;
    esac
}

# Bytes the process $1 has written so far (/proc/<pid>/io wchar), else the size of file $2.
written_by() {
    local line
    if [[ -r /proc/$1/io ]]; then
        while read -r line; do
            if [[ $line == wchar:* ]]; then printf '%s' "${line#wchar: }"; return 0; fi
        done <"/proc/$1/io"
    fi
    wc -c <"$2" 2>/dev/null | tr -d ' ' || printf 0
}

# Runs the dump client into gzip and stops both when the client writes nothing: for
# DB_CONNECT_TIMEOUT seconds before mysqldump's first byte (a server that accepts TCP and never
# greets: mariadb-dump and mysqldump have no connect timeout of their own), or for DB_READ_TIMEOUT
# seconds at any other point (a server that stalls mid-dump; neither client has a read timeout).
# Returns the client's exit status, or 1 with `dump_stall` set to the reason (a stall, or the signal
# that stopped the client).
dump_with_deadlines() {
    local secrets=$1 partial=$2 fifo="$1/stream" written last=0 idle=0 limit status=0 gzip_status=0
    mkfifo "$fifo"
    # gzip's own error (a full disk: "gzip: stdout: No space left on device") is the cause to show;
    # the client then dies of SIGPIPE, which is only its consequence.
    gzip -6 <"$fifo" >"$partial" 2>"$secrets/gzip.err" &
    gzip_pid=$!
    dump_stream "$secrets" >"$fifo" &
    dump_pid=$!
    # Before the first byte: mysqldump writes its header as soon as it is connected, so silence is
    # a server that never answered. pg_dump has its own connect timeout (PGCONNECT_TIMEOUT) and
    # writes nothing until it has read the whole catalogue, so it gets the read deadline.
    if [[ $DB_ENGINE == mysql ]]; then limit=$((connect_timeout * 5)); else limit=$((read_timeout * 5)); fi
    dump_stall=""
    # Five looks a second: a dump that ends at once costs a fifth of a second, not one. The block's
    # stderr is /dev/null: bash reports a background job stopped by a signal ("line N: PID Killed
    # dump_stream ...") whenever it reaps it, a second stderr line that names no cause; the clients
    # write to their own error log, and the signal is named below.
    {
        while kill -0 "$dump_pid" 2>/dev/null; do
            sleep 0.2
            written=$(written_by "$dump_pid" "$partial")
            if [[ $written =~ ^[0-9]+$ && $written -gt $last ]]; then
                last=$written idle=0 limit=$((read_timeout * 5))
                continue
            fi
            idle=$((idle + 1))
            if [[ $idle -ge $limit ]]; then
                if [[ $last -eq 0 && $DB_ENGINE == mysql ]]; then
                    dump_stall="no reply from the server within ${connect_timeout}s (DB_CONNECT_TIMEOUT)"
                else
                    dump_stall="no data from the server for ${read_timeout}s (DB_READ_TIMEOUT)"
                fi
                kill "$dump_pid" "$gzip_pid" 2>/dev/null || true
                break
            fi
        done
        wait "$dump_pid" || status=$?
        wait "$gzip_pid" || gzip_status=$?
    } 2>/dev/null
    dump_pid="" gzip_pid=""
    # A client stopped by a signal says nothing itself: SIGKILL is what the kernel sends when the
    # container reaches its memory limit, so the line says which signal, not just "failed".
    if [[ -z $dump_stall && $gzip_status -ne 0 ]]; then
        local gzip_error
        gzip_error=$(head -c 300 "$secrets/gzip.err" | tr '\n' ' ')
        gzip_error=${gzip_error% }
        gzip_error=${gzip_error#"${gzip_error%%[! ]*}"}
        gzip_error=${gzip_error:-$(signal_stop gzip "$gzip_status")}
        dump_stall="compressing into WORK_DIR $WORK_DIR failed: ${gzip_error:-gzip exited with status $gzip_status}"
    fi
    if [[ -z $dump_stall ]]; then dump_stall=$(signal_stop "the $DB_ENGINE client" "$status"); fi
    if [[ -n $dump_stall ]]; then return 1; fi
    if [[ $status -ne 0 ]]; then return "$status"; fi
    return "$gzip_status"
}

# Sets `connect_timeout` and `read_timeout` (seconds, whole and positive), or exits 2.
resolve_timeouts() {
    connect_timeout=${DB_CONNECT_TIMEOUT:-15}
    read_timeout=${DB_READ_TIMEOUT:-600}
    [[ $connect_timeout =~ ^[1-9][0-9]{0,4}$ ]] || die "DB_CONNECT_TIMEOUT '$connect_timeout' is not a number of seconds from 1 to 99999" 2
    [[ $read_timeout =~ ^[1-9][0-9]{0,4}$ ]] || die "DB_READ_TIMEOUT '$read_timeout' is not a number of seconds from 1 to 99999" 2
}

completion_marker() {
    case $DB_ENGINE in
        mysql) echo '-- Dump completed' ;;
        postgres) echo '-- PostgreSQL database dump complete' ;;
    esac
}

# Writes backup.env, what the upload phase reads: file, database, day, tiers, start, reused (0/1).
write_meta() {
    {
        printf 'BACKUP_FILE=%q\n' "$1"
        printf 'BACKUP_DB=%q\n' "$DB_NAME"
        printf 'BACKUP_DAY=%q\n' "$2"
        printf 'BACKUP_TIERS=%q\n' "$3"
        printf 'BACKUP_START=%q\n' "$4"
        printf 'BACKUP_REUSED=%q\n' "$5"
    } >"$WORK_DIR/$META"
}

# True when the check phase found a complete daily dump for day $1 (sets REUSE_KEY).
reuse_found() {
    REUSE_DAY="" REUSE_KEY="" REUSE_URL=""
    [[ -f $WORK_DIR/$REUSE_META ]] || return 1
    # shellcheck source=/dev/null
    source "$WORK_DIR/$REUSE_META"
    [[ $REUSE_DAY == "$1" && -n $REUSE_KEY ]]
}

# Looks for the day's complete daily dump before anything is dumped, and leaves what it found in
# reuse.env for the dump phase (which runs in the database image, without the AWS CLI).
phase_check() {
    require_env BACKUP_BUCKET AWS_REGION DB_NAME WORK_DIR
    require_db_name
    [[ -d $WORK_DIR && -w $WORK_DIR ]] || die "WORK_DIR '$WORK_DIR' is not a writable directory" 2
    # First, and even when the day's dump exists: the dump phase refuses to start without the bundle.
    if [[ -n ${DB_SSL_CA_URL:-} ]]; then
        require_env DB_SSL_CA
        fetch_ca_bundle "$DB_SSL_CA_URL" "$DB_SSL_CA"
    fi
    command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed"
    local day day_given weekly complete_key complete_size
    resolve_schedule
    run_db=$DB_NAME
    run_tiers=$(tiers_for "$day" "$weekly" | tr '\n' ' ')
    run_tiers=${run_tiers% }
    find_complete_dump "daily/$DB_NAME/${day//-//}/" || die "listing s3://$BACKUP_BUCKET/daily/$DB_NAME/${day//-//}/ failed$(last_error)"
    {
        printf 'REUSE_DAY=%q\n' "$day"
        printf 'REUSE_KEY=%q\n' "$complete_key"
        printf 'REUSE_URL=%q\n' "$BACKUP_BUCKET/$complete_key"
    } >"$WORK_DIR/$REUSE_META"
}

phase_dump() {
    require_env DB_ENGINE DB_HOST DB_NAME DB_USER DB_PASSWORD DB_SSL_CA WORK_DIR
    require_engine
    require_db_name
    require_ca_file
    [[ $DB_PASSWORD != *$'\n'* ]] || die "DB_PASSWORD contains a newline, which the clients cannot take" 2
    [[ -d $WORK_DIR && -w $WORK_DIR ]] || die "WORK_DIR '$WORK_DIR' is not a writable directory" 2
    db_password=$DB_PASSWORD
    export -n DB_PASSWORD
    resolve_db_port

    local start day day_given weekly tiers stamp file partial trailer marker secrets dump_client connect_timeout read_timeout dump_stall
    local mysql_tls=()
    start=$(date -u +%s)
    resolve_schedule
    resolve_timeouts
    tiers=$(tiers_for "$day" "$weekly" | tr '\n' ' ')
    tiers=${tiers% }
    run_db=$DB_NAME
    run_tiers=$tiers
    if reuse_found "$day"; then
        write_meta "${REUSE_KEY##*/}" "$day" "$tiers" "$start" 1
        printf '%s: s3://%s is a complete dump for %s already: not dumping again\n' "$PROG" "$REUSE_URL" "$day" >&2
        return 0
    fi
    # The name says when the dump was taken: the run's day with the start's time, or, for a
    # scheduled run that started after its day (a retry past midnight), the start itself.
    if [[ $day_given == true ]]; then
        stamp="${day//-/}T$(date -u -d "@$start" +%H%M%S)Z"
    else
        stamp=$(date -u -d "@$start" +%Y%m%dT%H%M%SZ)
    fi
    file="$DB_NAME-$stamp.sql.gz"
    partial="$WORK_DIR/$file.partial"
    dump_partial=$partial

    secrets=$(mktemp -d "${TMPDIR:-/tmp}/dump-secrets.XXXXXX")
    chmod 700 "$secrets"
    cleanup_dirs+=("$secrets")
    prepare_client "$secrets"

    if ! dump_with_deadlines "$secrets" "$partial"; then
        rm -f "$partial"
        if [[ -n $dump_stall ]]; then
            die "dumping $DB_ENGINE database $DB_NAME from $DB_HOST:$DB_PORT failed: $dump_stall"
        fi
        die "dumping $DB_ENGINE database $DB_NAME from $DB_HOST:$DB_PORT failed$(last_error)"
    fi
    rm -rf "$secrets"

    marker=$(completion_marker)
    if ! trailer=$(gzip -dc "$partial" | tail -n 10); then
        die "the compressed dump $partial cannot be read back"
    fi
    if [[ -z $trailer ]]; then
        rm -f "$partial"
        die "the dump of $DB_NAME is empty: the client exited 0 but wrote nothing"
    fi
    if [[ $trailer != *"$marker"* ]]; then
        rm -f "$partial"
        die "the dump of $DB_NAME is incomplete: it does not end with '$marker'"
    fi
    mv "$partial" "$WORK_DIR/$file"
    dump_partial=""
    (cd "$WORK_DIR" && sha256sum -- "$file") >"$WORK_DIR/$file.sha256"

    write_meta "$file" "$day" "$tiers" "$start" 0
    printf 'dumped %s (%s bytes compressed)\n' "$file" "$(wc -c <"$WORK_DIR/$file" | tr -d ' ')"
}

# Sets `complete_key` and `complete_size` to the newest complete dump under prefix $1 (the newest
# .sql.gz whose .sha256 is there too, the rule every reader uses), or to "" when there is none.
# Fails when the listing fails: a run that cannot tell must not guess.
find_complete_dump() {
    local listing line key size
    complete_key="" complete_size=""
    listing=$(aws_cli s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$1" \
        --query 'Contents[].[Key,Size]' --output text 2>"$error_log") || return 1
    declare -A sizes=()
    while IFS=$'\t' read -r key size; do
        [[ -n $key && $key != None ]] && sizes[$key]=$size
    done <<<"$listing"
    [[ ${#sizes[@]} -gt 0 ]] || return 0
    for key in "${!sizes[@]}"; do
        if [[ $key == *.sql.gz && -n ${sizes[$key.sha256]+x} && $key > $complete_key ]]; then
            complete_key=$key complete_size=${sizes[$key]}
        fi
    done
    return 0
}

phase_upload() {
    require_env BACKUP_BUCKET AWS_REGION WORK_DIR
    [[ -f $WORK_DIR/$META ]] || die "no dump in WORK_DIR '$WORK_DIR': run the dump phase first"
    local BACKUP_FILE BACKUP_DB BACKUP_DAY BACKUP_TIERS BACKUP_START BACKUP_REUSED complete_key complete_size
    # shellcheck source=/dev/null
    source "$WORK_DIR/$META"
    run_db=$BACKUP_DB
    run_tiers=$BACKUP_TIERS
    local src="$WORK_DIR/$BACKUP_FILE"
    if [[ ${BACKUP_REUSED:-0} != 1 ]]; then
        [[ -s $src && -s $src.sha256 ]] || die "the dump $src or its .sha256 is missing or empty"
    fi
    command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed"

    local date_path tier key size now reused=""
    date_path=${BACKUP_DAY//-//}
    # A retry (backoffLimit 1), or a manual `kubectl create job --from=cronjob/...`, on a day whose
    # daily dump is already complete reuses that dump: it finishes only the tiers still missing, by
    # server-side copy, so a failed upload of a later tier never leaves a second daily dump (locked by
    # Object Lock for the whole retention). "The day" is BACKUP_DAY, the UTC day the run is for: a
    # second run on the same day is meant to finish that day's backup, not to take another one (an
    # ad-hoc backup before a risky change is an RDS manual snapshot; see docs/data-protection.md).
    find_complete_dump "daily/$BACKUP_DB/$date_path/" || die "listing s3://$BACKUP_BUCKET/daily/$BACKUP_DB/$date_path/ failed$(last_error)"
    if [[ -n $complete_key ]]; then
        reused=$complete_key
        size=$complete_size
        # Said once: the dump phase has said it already when the check phase found this dump.
        if [[ ${BACKUP_REUSED:-0} != 1 ]]; then
            printf '%s: s3://%s/%s is a complete dump for %s already: not uploading this run'"'"'s dump\n' \
                "$PROG" "$BACKUP_BUCKET" "$reused" "$BACKUP_DAY" >&2
        fi
    elif [[ ${BACKUP_REUSED:-0} == 1 ]]; then
        die "the complete dump the check phase found for $BACKUP_DAY is no longer listed under s3://$BACKUP_BUCKET/daily/$BACKUP_DB/$date_path/"
    fi
    for tier in $BACKUP_TIERS; do
        if [[ -n $reused ]]; then
            # The tier's own complete dump of the day, if an earlier run got that far.
            [[ $tier == daily ]] && continue
            find_complete_dump "$tier/$BACKUP_DB/$date_path/" || die "listing s3://$BACKUP_BUCKET/$tier/$BACKUP_DB/$date_path/ failed$(last_error)"
            if [[ -n $complete_key ]]; then
                printf '%s: %s tier already complete: s3://%s/%s\n' "$PROG" "$tier" "$BACKUP_BUCKET" "$complete_key" >&2
                continue
            fi
            key="$tier/$BACKUP_DB/$date_path/${reused##*/}"
            # Server-side copies (CopyObject: s3:GetObject on the source, s3:PutObject on the
            # target), the checksum first as for an upload.
            aws_interruptible s3 cp --only-show-errors "s3://$BACKUP_BUCKET/$reused.sha256" "s3://$BACKUP_BUCKET/$key.sha256" 2>"$error_log" ||
                die "copying s3://$BACKUP_BUCKET/$reused.sha256 to s3://$BACKUP_BUCKET/$key.sha256 failed$(last_error)"
            aws_interruptible s3 cp --only-show-errors "s3://$BACKUP_BUCKET/$reused" "s3://$BACKUP_BUCKET/$key" 2>"$error_log" ||
                die "copying s3://$BACKUP_BUCKET/$reused to s3://$BACKUP_BUCKET/$key failed$(last_error)"
            printf '%s: %s tier completed by copy: s3://%s/%s\n' "$PROG" "$tier" "$BACKUP_BUCKET" "$key" >&2
            continue
        fi
        key="$tier/$BACKUP_DB/$date_path/$BACKUP_FILE"
        # The checksum first: a dump object then never exists without its .sha256 (a failed or
        # stopped upload leaves at most a .sha256 with no dump, which no reader takes for a dump).
        aws_interruptible s3 cp --only-show-errors --content-type text/plain "$src.sha256" "s3://$BACKUP_BUCKET/$key.sha256" 2>"$error_log" ||
            die "uploading s3://$BACKUP_BUCKET/$key.sha256 failed$(last_error)"
        aws_interruptible s3 cp --only-show-errors --content-type application/gzip "$src" "s3://$BACKUP_BUCKET/$key" 2>"$error_log" ||
            die "uploading s3://$BACKUP_BUCKET/$key failed$(last_error)"
        printf 'uploaded s3://%s/%s\n' "$BACKUP_BUCKET" "$key"
    done

    # The backup is complete from here: nothing below may fail the job, which would report a backup
    # that exists as failed. A metrics push that fails is a warning on stderr, and the run exits 0.
    report_failures=false
    if [[ -z ${PUSHGATEWAY_URL:-} ]]; then return 0; fi
    if [[ -z $reused ]]; then size=$(wc -c <"$src" | tr -d ' '); fi
    now=$(date -u +%s)
    local push_errors
    push_errors=$(mktemp "${TMPDIR:-/tmp}/$PROG-push.XXXXXX")
    cleanup_dirs+=("$push_errors")
    for tier in $BACKUP_TIERS; do
        # In a subshell: push_metrics dies on failure, which here must end only the push.
        (push_metrics "job/${PUSHGATEWAY_JOB:-launchpad-db-backup}/database/$BACKUP_DB/tier/$tier" <<EOF
# HELP launchpad_backup_last_success_timestamp_seconds When the last backup of this tier was uploaded.
# TYPE launchpad_backup_last_success_timestamp_seconds gauge
launchpad_backup_last_success_timestamp_seconds $now
# HELP launchpad_backup_duration_seconds How long the last backup took, dump and upload.
# TYPE launchpad_backup_duration_seconds gauge
launchpad_backup_duration_seconds $((now - BACKUP_START))
# HELP launchpad_backup_size_bytes Compressed size of the last backup.
# TYPE launchpad_backup_size_bytes gauge
launchpad_backup_size_bytes $size
$(run_success_metric 1)
EOF
        ) 2>>"$push_errors" || true
    done
    if [[ ! -s $push_errors ]]; then
        printf 'pushed metrics for tiers: %s\n' "$BACKUP_TIERS"
    else
        local reason
        reason=$(head -n 1 "$push_errors")
        printf '%s: warning: %s; the backup itself is complete, so the run succeeds (a failed job would report a backup that exists as failed)\n' "$PROG" "${reason#"$PROG: "}" >&2
    fi
}

# A failed run (any exit but 0, a signal included) tells the Pushgateway, per tier, when it
# failed; quietly, so that the run's own error line and exit status are what remain.
report_failure() {
    local db=${run_db:-${DB_NAME:-}} tier now
    [[ $db =~ $DB_NAME_PATTERN ]] || return 0
    export -n DB_PASSWORD
    now=$(date -u +%s)
    # The tiers side by side, not one after another: each push is bounded (push_failure_metrics,
    # at most ~11 s against a Pushgateway that never answers, at the default
    # PUSHGATEWAY_FAILURE_TIMEOUT 5), so the whole report is too, even on
    # 1 January's four tiers, well inside the pod's termination grace period (Kubernetes' default
    # 30 s: the CronJob sets none) after a SIGTERM whose error line is already printed.
    local pids=() pid
    for tier in ${run_tiers:-daily}; do
        push_failure_metrics "job/${PUSHGATEWAY_JOB:-launchpad-db-backup}/database/$db/tier/$tier" <<EOF &
# HELP launchpad_backup_last_failure_timestamp_seconds When the last failed backup run of this tier ended.
# TYPE launchpad_backup_last_failure_timestamp_seconds gauge
launchpad_backup_last_failure_timestamp_seconds $now
$(run_success_metric 0)
EOF
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do wait "$pid" || true; done
}

cleanup_dirs=()
# The dump client, its gzip and an upload while they run: an exit (a signal included) stops them.
dump_pid=""
gzip_pid=""
aws_pid=""
# The unfinished dump file: an exit before it is complete (a signal included) removes it.
dump_partial=""
open_error_log
cleanup_dirs+=("$error_log")
cleanup() {
    local status=$?
    trap - ERR
    # `|| true` also turns errexit off inside: nothing in the report may change the exit status.
    local pid
    for pid in "$dump_pid" "$gzip_pid"; do
        if [[ -n $pid ]]; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    # The upload, its pid recorded or not yet (lib.sh stop_aws).
    stop_aws
    if [[ -n $dump_partial ]]; then rm -f "$dump_partial"; fi
    if [[ $status -ne 0 && $report_failures == true ]]; then report_failure || true; fi
    rm -rf ${cleanup_dirs[@]+"${cleanup_dirs[@]}"}
    exit "$status"
}
trap cleanup EXIT
# A signal gets its one error line too; the exit trap then reports the failure and cleans up. The
# line goes to the script's own stderr, kept here: the trap may run inside a call whose stderr is
# redirected to the error log (an upload).
exec {script_stderr}>&2
on_signal() {
    printf '%s: interrupted: stopped by SIG%s\n' "$PROG" "$1" >&"$script_stderr"
    exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

main() {
    local phase=${1:-all}
    case $phase in
        check | dump | upload | all) report_failures=true ;;
    esac
    case $phase in
        tiers)
            local day day_given weekly
            resolve_schedule
            tiers_for "$day" "$weekly"
            ;;
        check) phase_check ;;
        dump) phase_dump ;;
        upload) phase_upload ;;
        all)
            if [[ -z ${WORK_DIR:-} ]]; then
                WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dump.XXXXXX")
                cleanup_dirs+=("$WORK_DIR")
            fi
            # Every phase's variables at once: a missing bucket is found before the dump, not after.
            require_env DB_ENGINE DB_HOST DB_NAME DB_USER DB_PASSWORD DB_SSL_CA BACKUP_BUCKET AWS_REGION
            phase_check
            phase_dump
            phase_upload
            ;;
        *) die "unknown phase '$phase': use all, check, dump, upload or tiers" 2 ;;
    esac
}

main "$@"
