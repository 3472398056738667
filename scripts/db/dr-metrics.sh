#!/usr/bin/env bash
# Recovery point and recovery time, as AWS records them, pushed to the Pushgateway for the alerts
# of observability/alerts.ts (LaunchpadPitrLagAboveRpo, LaunchpadDrBackupLagAboveRpo,
# LaunchpadDatabaseStorageLow, LaunchpadRestoreDrill*). Run every few minutes by a CronJob in the
# AWS CLI image (components/logical-backup.ts). What it reads, with the AWS CLI's own JMESPath
# (`--query`, `--output text`: the image has no jq):
#   rds describe-db-instances            DBInstances[0].LatestRestorableTime, .AllocatedStorage (GiB),
#                                        .InstanceCreateTime (when a drill of it was first due), .Engine
#                                        https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
#   cloudwatch get-metric-statistics     AWS/RDS FreeStorageSpace, Minimum per 5 minutes, the newest point
#                                        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
#   cloudwatch get-metric-statistics     AWS/RDS MaximumUsedTransactionIDs, Maximum per 5 minutes, the newest point:
#                                        Engine postgres only (RDS publishes it for PostgreSQL alone, User Guide rds-metrics)
#   rds describe-db-instance-automated-backups (DR region, the replicated backups' ARN)
#                                        DBInstanceAutomatedBackups[0].RestoreWindow.LatestTime
#                                        https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html
#   backup list-restore-jobs --by-restore-testing-plan-arn (the monthly drill)
#                                        RestoreJobs[].Status (COMPLETED | FAILED | ABORTED when finished),
#                                        .ValidationStatus (FAILED | SUCCESSFUL | TIMED_OUT | VALIDATING,
#                                        put by drill-check.sh), .CreationDate, .CompletionDate
#                                        https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListRestoreJobs.html
#                                        (botocore backup 2018-11-15 RestoreJobsListMember)
#   backup list-restore-jobs --by-restore-testing-plan-arn (DR region, the DR drill)
#                                        RestoreJobs[].Status, .CreationDate, .CompletionDate
#   backup list-restore-jobs --by-restore-testing-plan-arn (each drill's plan, its region)
#                                        RestoreJobs[].DeletionStatus (DELETING | FAILED | SUCCESSFUL:
#                                        AWS Backup deleting the restored instance), .CompletionDate, .CreationDate
#                                        (botocore backup 2018-11-15 RestoreJobsListMember, RestoreDeletionStatus;
#                                        ListRestoreJobsInput has no filter on it, hence the --query)
#   backup list-restore-testing-plans (DR region)
#                                        RestoreTestingPlans[].RestoreTestingPlanArn, .CreationTime
#                                        (botocore backup 2018-11-15 RestoreTestingPlanForList)
#
# A drill succeeded when its restore job is COMPLETED and drill-check.sh validated the restored data
# (ValidationStatus SUCCESSFUL). It failed when the job FAILED or was ABORTED, or COMPLETED with
# ValidationStatus FAILED or TIMED_OUT, or with none at all once the validation window is over
# (nothing validated it: the drill check is not running). A COMPLETED job still inside its
# validation window with no ValidationStatus or VALIDATING is not finished yet: it counts neither
# way, and the newest drill before it is reported.
#
# The DR drill (components/backup-plan.ts drRestoreTestingSelectionArgs) restores the DR vault's copy
# into an isolated network that nothing reaches, so nothing validates it: it succeeded when its
# restore job is COMPLETED (the copy decrypted and restored to a running instance), failed when the
# job FAILED or was ABORTED.
#
# A drill's restored instance AWS Backup did not delete: its job's DeletionStatus is FAILED, or still
# DELETING a day after the validation window closed. AWS Backup deletes "in accordance with service
# SLAs" (restore-testing.html) and states no time; deleting an RDS instance without a final
# snapshot takes minutes, so a day is well past any normal deletion, and what a day longer costs is
# one day of an instance the size of production's. Either leaves a full copy of production's data
# running (the database's subnets, or the DR drill's network), billed, outside every retention rule.
#
# Environment:
#   AWS_REGION                 the database's region                                   required
#   DB_INSTANCE_ID             the RDS instance identifier                             required
#   PUSHGATEWAY_URL            where to push (needs curl)                              required
#   PUSHGATEWAY_RETRY_SECONDS  how long a refused push is retried (default 180)        optional
#   DR_REGION                  the DR region, required with either of the next two    optional
#   DR_BACKUPS_ARN             the automated backups replicated to DR_REGION           optional
#   DR_RESTORE_TESTING_PLAN_ARN  the DR drill's restore testing plan, in DR_REGION     optional
#   RESTORE_TESTING_PLAN_ARN   the AWS Backup restore testing plan of the drill        optional
#   DRILL_LOOKBACK_DAYS        how far back to look for the newest drill (default 40: a monthly drill is always in it)
#   RESTORE_VALIDATION_WINDOW_HOURS  how long a completed drill may wait for its validation, and AWS Backup
#                              keeps its restored instance (default 4)
#
# Pushes (PUT, the whole group job/launchpad-dr-metrics/db_instance/<id>):
#   launchpad_rds_latest_restorable_timestamp_seconds, launchpad_rds_allocated_storage_bytes,
#   launchpad_rds_instance_create_timestamp_seconds (once RDS reports it),
#   launchpad_rds_free_storage_bytes (when CloudWatch has a point in the last 15 minutes),
#   launchpad_rds_maximum_used_transaction_ids (PostgreSQL, when CloudWatch has a point in the last 15 minutes),
#   launchpad_rds_dr_latest_restorable_timestamp_seconds (with DR_REGION),
#   launchpad_restore_drill_last_run_success, launchpad_restore_drill_last_completion_timestamp_seconds,
#   launchpad_restore_drill_duration_seconds (a completed drill only; with RESTORE_TESTING_PLAN_ARN, once a drill has finished).
#   launchpad_dr_restore_drill_plan_create_timestamp_seconds (while the plan exists),
#   launchpad_dr_restore_drill_last_run_success, launchpad_dr_restore_drill_last_completion_timestamp_seconds,
#   launchpad_dr_restore_drill_duration_seconds (a completed one only),
#   launchpad_dr_restore_drill_last_success_timestamp_seconds (with DR_RESTORE_TESTING_PLAN_ARN, from
#   the DR drills finished in the lookback). LaunchpadDrRestoreDrillNotSucceeded measures the age of
#   the newest success, else of the plan, else of the instance.
#   launchpad_restore_drill_undeleted_instances, launchpad_dr_restore_drill_undeleted_instances (with
#   each plan, always, 0 when none): the drill's restore jobs created in the lookback whose restored
#   instance was not deleted and still exists (above). LaunchpadRestoreDrillInstanceNotDeleted.
#   No finished drill in the lookback pushes no drill metric: LaunchpadRestoreDrillMissing compares
#   the instance's age with the drill schedule instead.
# The alerts compute the lags at evaluation time (`time() - ...`), so a job that stops pushing
# shows as a growing lag, never as a frozen healthy one.
# Any AWS or push failure ends the run with one line on stderr and exit 1, pushing nothing.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
strict_mode

# Seconds since the epoch of an ISO 8601 timestamp as the AWS CLI prints it.
epoch() {
    date -u -d "$1" +%s 2>/dev/null || die "cannot read the timestamp '$1' returned by AWS"
}

# AWS prints None for a JMESPath null.
is_null() {
    [[ -z $1 || $1 == None || $1 == null ]]
}

# Whether the DB instance `arn` (in `region`) still exists: DescribeDBInstances takes "the user-supplied
# instance identifier or the Amazon Resource Name (ARN)" and answers DBInstanceNotFound for none (botocore
# rds 2014-10-31 DescribeDBInstancesMessage, DBInstanceNotFoundFault; the CLI prints botocore's ClientError,
# "An error occurred (DBInstanceNotFound) when calling ..."). Any other failure ends the run.
instance_exists() {
    local region=$1 arn=$2
    if aws_cli_in "$region" rds describe-db-instances --db-instance-identifier "$arn"         --query 'DBInstances[0].DBInstanceIdentifier' --output text >/dev/null 2>"$error_log"; then
        return 0
    fi
    grep -q '(DBInstanceNotFound)' "$error_log" && return 1
    die "describing the restored instance ${arn} failed$(last_error)"
}

# How many of the rows `DeletionStatus CompletionDate CreationDate CreatedResourceArn` (one job a line,
# `--output text`) of restore jobs in `region` ($3) are a restored instance AWS Backup did not delete:
# FAILED, or DELETING more than a day after the validation window ($2 hours) closed, counted from the
# job's completion (its creation without one), and still there: AWS Backup never revisits the job's
# DeletionStatus, so an instance deleted by hand (the runbook's fix) stops counting at the next run
# instead of for the rest of the lookback. Sets `undeleted` rather than printing it: a failed look-up
# must end the run (die), which a command substitution's subshell cannot.
undeleted_count() {
    local rows=$1 window=$2 region=$3 deletion completed created arn
    undeleted=0
    while read -r deletion completed created arn; do
        is_null "$deletion" && continue
        is_null "$completed" && completed=$created
        case $deletion in
            FAILED) ;;
            DELETING) (($(epoch "$completed") + (window + 24) * 3600 < now)) || continue ;;
            *) continue ;;
        esac
        if is_null "$arn" || instance_exists "$region" "$arn"; then undeleted=$((undeleted + 1)); fi
    done <<<"$rows"
}

# Appends to the caller's `body` the gauge `metric` of one restore testing plan (`plan`, in `region`):
# its jobs of the lookback (the caller's `drills_since`) whose restored instance AWS Backup is
# deleting or failed to delete (the rest: none yet, or SUCCESSFUL) and which still exists, as
# undeleted_count counts them with the caller's `window`. `jobs` starts the metric's help, `what`
# names the jobs when listing fails.
undeleted_gauge() {
    local metric=$1 jobs=$2 region=$3 plan=$4 what=$5 out undeleted
    out=$(aws_cli_in "$region" backup list-restore-jobs --by-restore-testing-plan-arn "$plan" \
        --by-created-after "$drills_since" \
        --query "RestoreJobs[?DeletionStatus=='FAILED' || DeletionStatus=='DELETING'].[DeletionStatus,CompletionDate,CreationDate,CreatedResourceArn]" \
        --output text 2>"$error_log") ||
        die "listing the deletion status of ${what} failed$(last_error)"
    undeleted_count "$out" "$window" "$region"
    body+="# HELP ${metric} ${jobs} of the lookback whose restored instance AWS Backup failed to delete (DeletionStatus FAILED, or DELETING a day after the validation window) and still exists.
# TYPE ${metric} gauge
${metric} ${undeleted}
"
}

main() {
    require_env AWS_REGION DB_INSTANCE_ID PUSHGATEWAY_URL
    if [[ -n ${DR_BACKUPS_ARN:-} || -n ${DR_RESTORE_TESTING_PLAN_ARN:-} ]]; then require_env DR_REGION; fi
    if [[ -n ${DR_REGION:-} && -z ${DR_BACKUPS_ARN:-} && -z ${DR_RESTORE_TESTING_PLAN_ARN:-} ]]; then
        die "DR_REGION is set without DR_BACKUPS_ARN or DR_RESTORE_TESTING_PLAN_ARN: nothing to read there" 2
    fi
    open_error_log
    trap 'rm -f "$error_log"' EXIT
    local now cw_start cw_end out latest allocated instance_created engine free xids dr_latest status validation created completed ok body
    now=$(date -u +%s)
    # Both drills' restore jobs are listed from the same moment on.
    local lookback_days=${DRILL_LOOKBACK_DAYS:-40} drills_since
    drills_since=$(date -u -d "@$((now - lookback_days * 86400))" +%Y-%m-%dT%H:%M:%SZ)
    # CloudWatch's window: the last 15 minutes, three 5-minute periods.
    cw_start=$(date -u -d "@$((now - 900))" +%Y-%m-%dT%H:%M:%SZ)
    cw_end=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)

    out=$(aws_cli rds describe-db-instances --db-instance-identifier "$DB_INSTANCE_ID" \
        --query 'DBInstances[0].[LatestRestorableTime,AllocatedStorage,InstanceCreateTime,Engine]' --output text 2>"$error_log") ||
        die "describing the DB instance $DB_INSTANCE_ID failed$(last_error)"
    read -r latest allocated instance_created engine <<<"$out"
    if is_null "$latest" || is_null "$allocated"; then
        die "the DB instance $DB_INSTANCE_ID has no latest restorable time or allocated storage (is it still being created?)"
    fi
    body="# HELP ${M_LATEST} Latest time the DB instance can be restored to (point-in-time recovery).
# TYPE ${M_LATEST} gauge
${M_LATEST} $(epoch "$latest")
# HELP ${M_ALLOCATED} Storage allocated to the DB instance now (after any autoscaling).
# TYPE ${M_ALLOCATED} gauge
${M_ALLOCATED} $((allocated * 1073741824))
"
    # Not a required member of DBInstance (botocore rds model): without it no drill is due yet.
    if ! is_null "$instance_created"; then
        body+="# HELP ${M_CREATED} When the DB instance was created (DescribeDBInstances InstanceCreateTime).
# TYPE ${M_CREATED} gauge
${M_CREATED} $(epoch "$instance_created")
"
    fi

    free=$(aws_cli cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name FreeStorageSpace \
        --dimensions "Name=DBInstanceIdentifier,Value=$DB_INSTANCE_ID" --start-time "$cw_start" --end-time "$cw_end" \
        --period 300 --statistics Minimum --query 'sort_by(Datapoints, &Timestamp)[-1].Minimum' --output text 2>"$error_log") ||
        die "reading FreeStorageSpace of $DB_INSTANCE_ID from CloudWatch failed$(last_error)"
    if is_null "$free"; then
        printf '%s: no FreeStorageSpace point for %s in the last 15 minutes: free storage not pushed\n' "$PROG" "$DB_INSTANCE_ID" >&2
    else
        body+="# HELP ${M_FREE} Free storage of the DB instance (CloudWatch FreeStorageSpace, 5-minute minimum).
# TYPE ${M_FREE} gauge
${M_FREE} ${free%.*}
"
    fi

    # `postgres` is RDS for PostgreSQL's Engine (API_DBInstance); RDS publishes this metric for
    # PostgreSQL only, MySQL having no 32-bit transaction ID counter that wraps.
    if [[ $engine == postgres ]]; then
        xids=$(aws_cli cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name MaximumUsedTransactionIDs \
            --dimensions "Name=DBInstanceIdentifier,Value=$DB_INSTANCE_ID" --start-time "$cw_start" --end-time "$cw_end" \
            --period 300 --statistics Maximum --query 'sort_by(Datapoints, &Timestamp)[-1].Maximum' --output text 2>"$error_log") ||
            die "reading MaximumUsedTransactionIDs of $DB_INSTANCE_ID from CloudWatch failed$(last_error)"
        if is_null "$xids"; then
            printf '%s: no MaximumUsedTransactionIDs point for %s in the last 15 minutes: used transaction IDs not pushed\n' "$PROG" "$DB_INSTANCE_ID" >&2
        else
            body+="# HELP ${M_XIDS} Transaction IDs used since the oldest unfrozen one (CloudWatch MaximumUsedTransactionIDs, 5-minute maximum).
# TYPE ${M_XIDS} gauge
${M_XIDS} ${xids%.*}
"
        fi
    fi

    if [[ -n ${DR_BACKUPS_ARN:-} ]]; then
        dr_latest=$(aws_cli_in "$DR_REGION" rds describe-db-instance-automated-backups --db-instance-automated-backups-arn "$DR_BACKUPS_ARN" \
            --query 'DBInstanceAutomatedBackups[0].RestoreWindow.LatestTime' --output text 2>"$error_log") ||
            die "describing the replicated automated backups in $DR_REGION failed$(last_error)"
        is_null "$dr_latest" && die "the replicated automated backups in $DR_REGION have no restore window yet"
        body+="# HELP ${M_DR_LATEST} Latest time the DB instance can be restored to in the DR region (replicated automated backups).
# TYPE ${M_DR_LATEST} gauge
${M_DR_LATEST} $(epoch "$dr_latest")
"
    fi

    local window=${RESTORE_VALIDATION_WINDOW_HOURS:-4}
    [[ $window =~ ^[1-9][0-9]{0,2}$ ]] || die "RESTORE_VALIDATION_WINDOW_HOURS '$window' is not a number of hours (1 to 999)" 2
    if [[ -n ${RESTORE_TESTING_PLAN_ARN:-} ]]; then
        # Every finished job, newest first, one a line: Status, ValidationStatus, CreationDate, CompletionDate.
        out=$(aws_cli backup list-restore-jobs --by-restore-testing-plan-arn "$RESTORE_TESTING_PLAN_ARN" \
            --by-created-after "$drills_since" \
            --query "reverse(sort_by(RestoreJobs[?Status=='COMPLETED' || Status=='FAILED' || Status=='ABORTED'], &CreationDate))[].[Status,ValidationStatus,CreationDate,CompletionDate]" \
            --output text 2>"$error_log") ||
            die "listing the restore jobs of the restore testing plan failed$(last_error)"
        status="" ok=""
        while read -r status validation created completed; do
            is_null "$status" && continue
            is_null "$completed" && completed=$created
            case $status/$validation in
                COMPLETED/SUCCESSFUL) ok=1 ;;
                COMPLETED/FAILED | COMPLETED/TIMED_OUT | FAILED/* | ABORTED/*) ok=0 ;;
                # Not validated (yet): within the window the drill check may still come; after it, nothing did.
                COMPLETED/*) if (($(epoch "$completed") + window * 3600 > now)); then continue; else ok=0; fi ;;
            esac
            break
        done <<<"$out"
        if [[ -z $ok ]]; then
            printf '%s: no finished restore drill in the last %s days: drill metrics not pushed\n' "$PROG" "$lookback_days" >&2
        else
            body+="# HELP ${M_DRILL_OK} Whether the newest finished restore drill restored the database and passed its data checks (1), or failed, was aborted or failed its validation (0).
# TYPE ${M_DRILL_OK} gauge
${M_DRILL_OK} ${ok}
# HELP ${M_DRILL_DONE} When the newest finished restore drill ended.
# TYPE ${M_DRILL_DONE} gauge
${M_DRILL_DONE} $(epoch "$completed")
"
            # The restore's own time, validated or not: what LaunchpadRestoreDrillSlowerThanRto compares with the RTO.
            if [[ $status == COMPLETED ]]; then
                body+="# HELP ${M_DRILL_DURATION} How long the newest completed restore drill took, creation to completion.
# TYPE ${M_DRILL_DURATION} gauge
${M_DRILL_DURATION} $(($(epoch "$completed") - $(epoch "$created")))
"
            fi
        fi
        undeleted_gauge "$M_DRILL_UNDELETED" "Restore drill jobs" "$AWS_REGION" "$RESTORE_TESTING_PLAN_ARN" "the restore testing plan's restore jobs"
    fi

    if [[ -n ${DR_RESTORE_TESTING_PLAN_ARN:-} ]]; then
        local plan_created dr_status="" dr_created="" dr_completed="" dr_success=""
        # When the plan was made: no DR drill was due before it. Absent once the plan is deleted, a
        # case the alert is for: it then measures from the instance's creation.
        plan_created=$(aws_cli_in "$DR_REGION" backup list-restore-testing-plans \
            --query "RestoreTestingPlans[?RestoreTestingPlanArn=='${DR_RESTORE_TESTING_PLAN_ARN}'].CreationTime | [0]" --output text 2>"$error_log") ||
            die "listing the restore testing plans in $DR_REGION failed$(last_error)"
        if is_null "$plan_created"; then
            printf '%s: no restore testing plan %s in %s: its creation time not pushed\n' "$PROG" "$DR_RESTORE_TESTING_PLAN_ARN" "$DR_REGION" >&2
        else
            body+="# HELP ${M_DR_DRILL_PLAN_CREATED} When the DR drill's restore testing plan was created (ListRestoreTestingPlans CreationTime).
# TYPE ${M_DR_DRILL_PLAN_CREATED} gauge
${M_DR_DRILL_PLAN_CREATED} $(epoch "$plan_created")
"
        fi
        # Every finished DR drill job, newest first: Status, CreationDate, CompletionDate.
        out=$(aws_cli_in "$DR_REGION" backup list-restore-jobs --by-restore-testing-plan-arn "$DR_RESTORE_TESTING_PLAN_ARN" \
            --by-created-after "$drills_since" \
            --query "reverse(sort_by(RestoreJobs[?Status=='COMPLETED' || Status=='FAILED' || Status=='ABORTED'], &CreationDate))[].[Status,CreationDate,CompletionDate]" \
            --output text 2>"$error_log") ||
            die "listing the restore jobs of the DR restore testing plan in $DR_REGION failed$(last_error)"
        while read -r status created completed; do
            is_null "$status" && continue
            is_null "$completed" && completed=$created
            if [[ -z $dr_status ]]; then dr_status=$status dr_created=$created dr_completed=$completed; fi
            if [[ $status == COMPLETED ]]; then dr_success=$completed; break; fi
        done <<<"$out"
        if [[ -z $dr_status ]]; then
            printf '%s: no finished DR restore drill in the last %s days: DR drill metrics not pushed\n' "$PROG" "$lookback_days" >&2
        else
            body+="# HELP ${M_DR_DRILL_OK} Whether the newest finished DR restore drill restored the DR vault's copy to a running instance (1), or failed or was aborted (0).
# TYPE ${M_DR_DRILL_OK} gauge
${M_DR_DRILL_OK} $([[ $dr_status == COMPLETED ]] && echo 1 || echo 0)
# HELP ${M_DR_DRILL_DONE} When the newest finished DR restore drill ended.
# TYPE ${M_DR_DRILL_DONE} gauge
${M_DR_DRILL_DONE} $(epoch "$dr_completed")
"
            if [[ $dr_status == COMPLETED ]]; then
                body+="# HELP ${M_DR_DRILL_DURATION} How long the newest completed DR restore drill took, creation to completion.
# TYPE ${M_DR_DRILL_DURATION} gauge
${M_DR_DRILL_DURATION} $(($(epoch "$dr_completed") - $(epoch "$dr_created")))
"
            fi
        fi
        if [[ -n $dr_success ]]; then
            body+="# HELP ${M_DR_DRILL_SUCCEEDED} When the newest completed DR restore drill ended.
# TYPE ${M_DR_DRILL_SUCCEEDED} gauge
${M_DR_DRILL_SUCCEEDED} $(epoch "$dr_success")
"
        fi
        undeleted_gauge "$M_DR_DRILL_UNDELETED" "DR restore drill jobs" "$DR_REGION" "$DR_RESTORE_TESTING_PLAN_ARN" "the DR restore testing plan's restore jobs in $DR_REGION"
    fi

    push_metrics "job/${PUSHGATEWAY_JOB:-launchpad-dr-metrics}/db_instance/$DB_INSTANCE_ID" <<<"$body"
    printf 'pushed recovery metrics of %s\n' "$DB_INSTANCE_ID"
}

# The metric names: observability/catalogue.ts DR_METRICS (tests/catalogue.test.ts compares them).
readonly M_LATEST=launchpad_rds_latest_restorable_timestamp_seconds
readonly M_DR_LATEST=launchpad_rds_dr_latest_restorable_timestamp_seconds
readonly M_ALLOCATED=launchpad_rds_allocated_storage_bytes
readonly M_CREATED=launchpad_rds_instance_create_timestamp_seconds
readonly M_FREE=launchpad_rds_free_storage_bytes
readonly M_XIDS=launchpad_rds_maximum_used_transaction_ids
readonly M_DRILL_OK=launchpad_restore_drill_last_run_success
readonly M_DRILL_DURATION=launchpad_restore_drill_duration_seconds
readonly M_DRILL_DONE=launchpad_restore_drill_last_completion_timestamp_seconds
readonly M_DRILL_UNDELETED=launchpad_restore_drill_undeleted_instances
readonly M_DR_DRILL_PLAN_CREATED=launchpad_dr_restore_drill_plan_create_timestamp_seconds
readonly M_DR_DRILL_OK=launchpad_dr_restore_drill_last_run_success
readonly M_DR_DRILL_DONE=launchpad_dr_restore_drill_last_completion_timestamp_seconds
readonly M_DR_DRILL_DURATION=launchpad_dr_restore_drill_duration_seconds
readonly M_DR_DRILL_SUCCEEDED=launchpad_dr_restore_drill_last_success_timestamp_seconds
readonly M_DR_DRILL_UNDELETED=launchpad_dr_restore_drill_undeleted_instances

main "$@"
