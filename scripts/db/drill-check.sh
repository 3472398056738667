#!/usr/bin/env bash
# Validation of the monthly restore drill: AWS Backup's restore testing plan (components/backup-plan.ts)
# restores the newest snapshot into a new RDS instance and keeps it RESTORE_VALIDATION_WINDOW_HOURS for
# "your independent self-run restore test validation" (botocore backup 2018-11-15, PutRestoreValidationResult).
# This script is that validation: it connects to the restored instance and runs the checks verify.sh
# runs on a restored dump (tables.sh count_critical_tables: every CRITICAL_TABLES table exists and has
# rows), then tells AWS Backup SUCCESSFUL or FAILED with the reason. A restore that AWS calls COMPLETED
# but whose data is missing or unreadable is thus a failed drill (scripts/db/dr-metrics.sh,
# LaunchpadRestoreDrillFailed). Once a result is in, AWS Backup deletes the restored instance ("Once
# the optional validation completes or the validation window closes, AWS Backup deletes the resources
# involved with the restore test": AWS Backup Developer Guide, restore-testing.html), so it is not
# kept, and paid for, the whole window.
#
# Which restore jobs (backup list-restore-jobs of the drill's plan; botocore RestoreJobsListMember):
# Status COMPLETED, CompletionDate within the validation window, ValidationStatus not yet final (absent,
# or VALIDATING; FAILED, SUCCESSFUL and TIMED_OUT are final). A restored instance that is not
# `available` yet is left for the next run. None: exit 0, nothing printed.
#
# The restored instance keeps the snapshot's master user and password (RDS restores them with the
# data), and the script connects with the master connection Secret's user and password
# (components/database.ts CONNECTION_SECRET_NAME) at the restored instance's own endpoint. So when the
# master password was rotated after the snapshot was taken, the server refuses the Secret's password:
# the drill then fails, its message naming that cause (the data may well be intact, but nothing here
# can prove it; the runbook tells how to check it by hand). Over TLS, verifying the server: its
# certificate must chain to DB_SSL_CA and name the endpoint, as the dumps do (dump.sh "TLS",
# components/database.ts TLS_VERIFY_MODES).
#
# Usage: drill-check.sh [all|find|check|report]                                   (default: all)
#   find    list the drill's restore jobs to validate and resolve each restored instance's
#           endpoint, into $WORK_DIR/drill-jobs; with one, download the CA bundle  (AWS CLI image)
#   check   connect to each and run the data checks, into $WORK_DIR/drill-results
#                                                       (the engine's client image: mariadb, psql)
#   report  put-restore-validation-result for each checked job            (AWS CLI image)
#   all     the three in turn; in a private temporary directory unless WORK_DIR is set
#
# Environment
#   AWS_REGION                       the restore testing plan's region                 [find, report]
#   RESTORE_TESTING_PLAN_ARN         the drill's restore testing plan                  [find]
#   RESTORE_VALIDATION_WINDOW_HOURS  how long AWS Backup keeps a restored instance for
#                                    validation (the selection's ValidationWindowHours);
#                                    default 4                                        [find]
#   DB_SSL_CA_URL    optional: https:// URL the find phase downloads DB_SSL_CA from     [find]
#   DB_SSL_CA        PEM bundle the server's certificate must chain to                 [find, check]
#   DB_ENGINE        mysql | postgres                                                   [check]
#   DB_NAME, DB_USER, DB_PASSWORD  the master connection Secret's database, user, password [check]
#   CRITICAL_TABLES  comma-separated tables that must exist and have rows (as verify.sh) [check]
#   DB_CONNECT_TIMEOUT  seconds the server may take to answer; default 15               [check]
#   DB_QUERY_TIMEOUT    seconds each client call may take once connected; default 120  [check]
#   WORK_DIR         the directory the phases share; required for a phase alone
#
# Output: one line per validated job on stdout (report), e.g.
#   drill-check.sh: restore job <id> (<the restored instance's ARN>): SUCCESSFUL: <what the checks found>
# Exit status: 0 when every job found was validated and its result put (SUCCESSFUL or FAILED alike:
# the drill's outcome is AWS Backup's record, which dr-metrics.sh reads); 1 when a call to AWS failed
# or a restored instance did not answer within DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT (lib.sh
# bounded_client); 2 on a configuration error; one line on stderr. A stall puts no verdict: a
# restored instance loads its blocks from the snapshot on first read, so a slow first COUNT(*) is no
# proof of bad data; the next run (every 30 minutes) tries again, and a job still without a verdict
# when the validation window closes is TIMED_OUT, which dr-metrics.sh counts as a failed drill.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tables.sh
source "$(dirname "$0")/tables.sh"
strict_mode

readonly JOBS=drill-jobs RESULTS=drill-results

# AWS prints None for a JMESPath null.
is_null() {
    [[ -z $1 || $1 == None || $1 == null ]]
}

phase_find() {
    require_env AWS_REGION RESTORE_TESTING_PLAN_ARN DB_SSL_CA WORK_DIR
    command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed"
    local window=${RESTORE_VALIDATION_WINDOW_HOURS:-4} since listing job_id resource out status host port
    [[ $window =~ ^[1-9][0-9]{0,2}$ ]] || die "RESTORE_VALIDATION_WINDOW_HOURS '$window' is not a number of hours (1 to 999)" 2
    rm -f "$WORK_DIR/$JOBS" "$WORK_DIR/$RESULTS"
    : >"$WORK_DIR/$JOBS"

    since=$(date -u -d "@$(($(date -u +%s) - window * 3600))" +%Y-%m-%dT%H:%M:%SZ)
    listing=$(aws_cli backup list-restore-jobs --by-restore-testing-plan-arn "$RESTORE_TESTING_PLAN_ARN" \
        --by-status COMPLETED --by-complete-after "$since" \
        --query "RestoreJobs[?!ValidationStatus || ValidationStatus=='VALIDATING'].[RestoreJobId,CreatedResourceArn]" \
        --output text 2>"$error_log") ||
        die "listing the restore jobs of the restore testing plan failed$(last_error)"
    while read -r job_id resource; do
        is_null "$job_id" && continue
        # DescribeDBInstances takes "the user-supplied instance identifier or the Amazon Resource Name
        # (ARN) of the DB instance" (botocore rds DescribeDBInstancesMessage).
        out=$(aws_cli rds describe-db-instances --db-instance-identifier "$resource" \
            --query 'DBInstances[0].[DBInstanceStatus,Endpoint.Address,Endpoint.Port]' --output text </dev/null 2>"$error_log") ||
            die "describing the restored DB instance $resource of restore job $job_id failed$(last_error)"
        read -r status host port <<<"$out"
        if [[ $status != available ]] || is_null "$host" || is_null "$port"; then
            printf '%s: restore job %s: the restored DB instance %s is %s, not yet available: left for the next run\n' "$PROG" "$job_id" "$resource" "$status" >&2
            continue
        fi
        printf '%s\t%s\t%s\t%s\n' "$job_id" "$resource" "$host" "$port" >>"$WORK_DIR/$JOBS"
    done <<<"$listing"
    # The bundle only when there is an instance to connect to: most runs find nothing.
    if [[ -s $WORK_DIR/$JOBS && -n ${DB_SSL_CA_URL:-} ]]; then fetch_ca_bundle "$DB_SSL_CA_URL" "$DB_SSL_CA"; fi
}

# --- check: the engine's client, as the master user, verifying the server ---------------------

# One SQL statement on DB_NAME of the instance being checked (db_host, db_port), its one value on
# stdout (tables.sh critical_table_rows). MySQL: the password from the 0600 option file `secrets`/client.cnf.
db_query() {
    case $DB_ENGINE in
        mysql)
            bounded_client "$client" --defaults-extra-file="$secrets/client.cnf" --protocol=TCP --host="$db_host" --port="$db_port" \
                --user="$DB_USER" "${mysql_tls[@]}" --connect-timeout="$connect_timeout" --batch --skip-column-names \
                --database="$DB_NAME" --execute="$1" </dev/null
            ;;
        postgres)
            PGPASSWORD=$db_password PGCONNECT_TIMEOUT=$connect_timeout PGSSLMODE=verify-full PGSSLROOTCERT=$DB_SSL_CA PGAPPNAME=launchpad-drill-check \
                bounded_client "$client" --no-password --no-psqlrc --tuples-only --no-align \
                --host="$db_host" --port="$db_port" --username="$DB_USER" --dbname="$DB_NAME" --command="$1" </dev/null
            ;;
    esac
}

# The server refused the password: MariaDB and MySQL "ERROR 1045 (28000): Access denied for user"
# (MySQL error reference, ER_ACCESS_DENIED_ERROR), PostgreSQL "password authentication failed for
# user" (src/backend/libpq/auth.c, auth_failed).
readonly PASSWORD_REFUSED='ERROR 1045|Access denied for user|password authentication failed'

# Exits 1 when the client call that just failed was cut off by bounded_client: no verdict (see the top).
die_if_stalled() {
    if client_timed_out; then
        die "restore job $job_id: $db_host:$db_port/$DB_NAME: $(client_timeout_message); no verdict put: left for the next run"
    fi
}

# Sets `verdict` and `message` for the instance at db_host:db_port.
check_instance() {
    local reason
    verdict=FAILED
    if ! db_query "SELECT 1" >/dev/null 2>"$error_log"; then
        die_if_stalled
        reason=$(last_error)
        if grep -q -E "$PASSWORD_REFUSED" "$error_log"; then
            message="the restored instance refused the master password of the connection Secret: it keeps the snapshot's master password, so the password was most likely rotated after the snapshot was taken; the data was not checked$reason"
        else
            message="connecting to $db_host:$db_port/$DB_NAME as $DB_USER over verified TLS failed$reason"
        fi
        return 0
    fi
    if ! count_critical_tables; then
        die_if_stalled
        message="counting the rows of $failed_table failed$(last_error)"
        return 0
    fi
    if [[ -n $missing_tables ]]; then
        message="critical table(s) missing after restore:$missing_tables"
    elif [[ -n $empty_tables ]]; then
        message="critical table(s) empty after restore:$empty_tables"
    else
        verdict=SUCCESSFUL
        message="connected over verified TLS as $DB_USER; $(table_summary)"
    fi
}

# What the checks found, for the success message.
table_summary() {
    local i out=""
    for i in ${tables[@]+"${!tables[@]}"}; do
        out+="${out:+, }${tables[i]} ${table_rows[i]} rows"
    done
    printf '%s' "${out:-database $DB_NAME is there (CRITICAL_TABLES names no table)}"
}

phase_check() {
    require_env DB_ENGINE DB_NAME DB_USER DB_PASSWORD DB_SSL_CA WORK_DIR
    require_engine
    [[ -f $WORK_DIR/$JOBS ]] || die "no list of restore jobs in WORK_DIR '$WORK_DIR': run the find phase first"
    rm -f "$WORK_DIR/$RESULTS"
    : >"$WORK_DIR/$RESULTS"
    [[ -s $WORK_DIR/$JOBS ]] || return 0
    require_ca_file
    [[ $DB_PASSWORD != *$'\n'* ]] || die "DB_PASSWORD contains a newline, which the clients cannot take" 2
    db_password=$DB_PASSWORD
    export -n DB_PASSWORD
    resolve_client_timeouts
    local tables table_rows missing_tables empty_tables failed_table job_id resource db_host db_port verdict message
    parse_critical_tables "the restored database accepts the master user"
    case $DB_ENGINE in
        mysql) client=$(find_command mariadb mysql) || die "neither mariadb nor mysql is installed" ;;
        postgres) client=$(find_command psql) || die "psql is not installed" ;;
    esac
    secrets=$(mktemp -d "${TMPDIR:-/tmp}/drill-check.XXXXXX")
    cleanup_dirs+=("$secrets")
    mysql_tls=()
    if [[ $DB_ENGINE == mysql ]]; then mysql_client_setup "$client" "$secrets"; fi
    while IFS=$'\t' read -r job_id resource db_host db_port; do
        [[ -n $job_id ]] || continue
        check_instance
        # One line a job: the message with its tabs and newlines flattened.
        message=${message//[[:cntrl:]]/ }
        printf '%s\t%s\t%s\t%s\n' "$job_id" "$resource" "$verdict" "$message" >>"$WORK_DIR/$RESULTS"
    done <"$WORK_DIR/$JOBS"
}

phase_report() {
    require_env AWS_REGION WORK_DIR
    [[ -f $WORK_DIR/$RESULTS ]] || die "no drill results in WORK_DIR '$WORK_DIR': run the check phase first"
    local job_id resource verdict message
    while IFS=$'\t' read -r job_id resource verdict message; do
        [[ -n $job_id ]] || continue
        [[ $verdict == SUCCESSFUL || $verdict == FAILED ]] || die "restore job $job_id has the verdict '$verdict' in $WORK_DIR/$RESULTS: expected SUCCESSFUL or FAILED"
        aws_cli backup put-restore-validation-result --restore-job-id "$job_id" \
            --validation-status "$verdict" --validation-status-message "$message" </dev/null >/dev/null 2>"$error_log" ||
            die "putting the validation result $verdict of restore job $job_id failed$(last_error)"
        printf '%s: restore job %s (%s): %s: %s\n' "$PROG" "$job_id" "$resource" "$verdict" "$message"
    done <"$WORK_DIR/$RESULTS"
}

db_password=""
secrets=""
cleanup_dirs=()
open_error_log
cleanup_dirs+=("$error_log")
cleanup() {
    local status=$?
    trap - ERR
    rm -rf ${cleanup_dirs[@]+"${cleanup_dirs[@]}"}
    exit "$status"
}
trap cleanup EXIT

main() {
    case ${1:-all} in
        find) phase_find ;;
        check) phase_check ;;
        report) phase_report ;;
        all)
            if [[ -z ${WORK_DIR:-} ]]; then
                WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/drill-check.XXXXXX")
                cleanup_dirs+=("$WORK_DIR")
            fi
            phase_find
            phase_check
            phase_report
            ;;
        *) die "unknown phase '$1': use all, find, check or report" 2 ;;
    esac
}

main "$@"
