# shellcheck shell=bash
# The data checks of a restored database, shared by verify.sh (a dump restored into a throw-away
# server) and drill-check.sh (the restore drill's RDS instance): every CRITICAL_TABLES table exists
# and has rows. Sourced after lib.sh (die, error_log), never run. Each caller defines `db_query`,
# which runs one SQL statement on DB_NAME and prints its one value. A file of its own, not lib.sh:
# lib.sh also goes to the grants Job and the services' CA fetch, whose pods would change with it.

# Sets `tables` (an array) from CRITICAL_TABLES (comma-separated; postgres: optionally
# schema-qualified), or exits 2. Empty or unset: no table, and stderr says that the check proves
# only $1 (what is left to check).
parse_critical_tables() {
    local what=$1 raw name pattern='^[A-Za-z_][A-Za-z0-9_$]*$'
    if [[ $DB_ENGINE == postgres ]]; then pattern='^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$'; fi
    tables=()
    IFS=, read -r -a raw <<<"${CRITICAL_TABLES:-}"
    for name in ${raw[@]+"${raw[@]}"}; do
        # Blanks around an entry are padding; a blank inside one makes it no table name (never squeezed out).
        name=${name#"${name%%[![:space:]]*}"}
        name=${name%"${name##*[![:space:]]}"}
        if [[ -z $name ]]; then continue; fi
        [[ $name =~ $pattern ]] || die "CRITICAL_TABLES entry '$name' is not a plain table name" 2
        tables+=("$name")
    done
    # No table named (the config default): nothing to count.
    if [[ ${#tables[@]} -eq 0 ]]; then
        printf '%s: CRITICAL_TABLES names no table: checking only that %s\n' "$PROG" "$what" >&2
    fi
}

# Prints the row count of table $1 of DB_NAME, or nothing when it does not exist. Each statement
# goes through the caller's `db_query` (one SQL statement in, its one value out), its stderr to
# the error log (lib.sh `error_log`).
# shellcheck disable=SC2154 # error_log is lib.sh's.
critical_table_rows() {
    local exists
    case $DB_ENGINE in
        mysql)
            exists=$(db_query "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$DB_NAME' AND table_name = '$1'" 2>"$error_log") ||
                return 1
            if [[ $exists == 1 ]]; then db_query "SELECT COUNT(*) FROM \`$DB_NAME\`.\`$1\`" 2>"$error_log"; fi
            ;;
        postgres)
            exists=$(db_query "SELECT to_regclass('$1') IS NOT NULL" 2>"$error_log") || return 1
            if [[ $exists == t ]]; then db_query "SELECT count(*) FROM $1" 2>"$error_log"; fi
            ;;
    esac
}

# Counts the rows of every table of `tables` (parse_critical_tables): sets `table_rows` (an array
# beside `tables`, empty for a table that is not there), `missing_tables` and `empty_tables` (each
# " name" per table). Fails with `failed_table` set, its reason in the error log, when a count fails.
# shellcheck disable=SC2034 # table_rows and failed_table are the caller's.
count_critical_tables() {
    local i rows
    table_rows=() missing_tables="" empty_tables="" failed_table=""
    for i in ${tables[@]+"${!tables[@]}"}; do
        if ! rows=$(critical_table_rows "${tables[i]}") || [[ -n $rows && ! $rows =~ ^[0-9]+$ ]]; then
            failed_table=${tables[i]}
            return 1
        fi
        table_rows[i]=$rows
        if [[ -z $rows ]]; then
            missing_tables+=" ${tables[i]}"
        elif [[ $rows -eq 0 ]]; then
            empty_tables+=" ${tables[i]}"
        fi
    done
}
