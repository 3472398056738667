/**
 * What RDS accepts as the master user name of each engine, with the sources of the word lists.
 *
 * RDS CreateDBInstance, MasterUsername (docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html,
 * and the RDS for PostgreSQL guide "Understanding PostgreSQL roles and permissions"): "Must be 1 to 16
 * letters, numbers, or underscores. First character must be a letter. Can't be a reserved word for the
 * chosen database engine." RDS itself owns the `rdsadmin` user on both engines; PostgreSQL reserves
 * every role name starting with `pg_` (CREATE ROLE refuses it: "role name ... is reserved").
 */

/** RDS: 1 to 16 letters, digits or underscores, a letter first (both engines). */
export const MAX_MASTER_USERNAME_LENGTH = 16;

/** Names RDS keeps for its own administration user. */
export const RDS_RESERVED_USERS: readonly string[] = ["rdsadmin"];

/**
 * MySQL's reserved words: the rows with RESERVED = 1 of INFORMATION_SCHEMA.KEYWORDS, as recorded in
 * mysql/mysql-server mysql-test/r/information_schema_keywords.result at commit
 * 0418d9344790e4601fb5a86d5b68a3f2800bcc88 (MySQL 8.0), lower-cased. MySQL compares them without case.
 */
export const MYSQL_RESERVED_WORDS: ReadonlySet<string> = new Set([
    "accessible", "add", "all", "alter", "analyze", "and", "array", "as", "asc", "asensitive", "before",
    "between", "bigint", "binary", "blob", "both", "by", "call", "cascade", "case", "change", "char",
    "character", "check", "collate", "column", "condition", "constraint", "continue", "convert", "create",
    "cross", "cube", "cume_dist", "current_date", "current_time", "current_timestamp", "current_user", "cursor",
    "database", "databases", "day_hour", "day_microsecond", "day_minute", "day_second", "dec", "decimal",
    "declare", "default", "delayed", "delete", "dense_rank", "desc", "describe", "deterministic", "distinct",
    "distinctrow", "div", "double", "drop", "dual", "each", "else", "elseif", "empty", "enclosed", "escaped",
    "except", "exists", "exit", "explain", "false", "fetch", "first_value", "float", "float4", "float8", "for",
    "force", "foreign", "from", "fulltext", "function", "generated", "get", "grant", "group", "grouping",
    "groups", "having", "high_priority", "hour_microsecond", "hour_minute", "hour_second", "if", "ignore", "in",
    "index", "infile", "inner", "inout", "insensitive", "insert", "int", "int1", "int2", "int3", "int4", "int8",
    "integer", "interval", "into", "io_after_gtids", "io_before_gtids", "is", "iterate", "join", "json_table",
    "key", "keys", "kill", "lag", "last_value", "lateral", "lead", "leading", "leave", "left", "like", "limit",
    "linear", "lines", "load", "localtime", "localtimestamp", "lock", "long", "longblob", "longtext", "loop",
    "low_priority", "master_bind", "master_ssl_verify_server_cert", "match", "maxvalue", "mediumblob",
    "mediumint", "mediumtext", "member", "middleint", "minute_microsecond", "minute_second", "mod", "modifies",
    "natural", "not", "no_write_to_binlog", "nth_value", "ntile", "null", "numeric", "of", "on", "optimize",
    "optimizer_costs", "option", "optionally", "or", "order", "out", "outer", "outfile", "over", "partition",
    "percent_rank", "precision", "primary", "procedure", "purge", "range", "rank", "read", "reads", "read_write",
    "real", "recursive", "references", "regexp", "release", "rename", "repeat", "replace", "require", "resignal",
    "restrict", "return", "revoke", "right", "rlike", "row", "rows", "row_number", "schema", "schemas",
    "second_microsecond", "select", "sensitive", "separator", "set", "show", "signal", "smallint", "spatial",
    "specific", "sql", "sqlexception", "sqlstate", "sqlwarning", "sql_big_result", "sql_calc_found_rows",
    "sql_small_result", "ssl", "starting", "stored", "straight_join", "system", "table", "terminated", "then",
    "tinyblob", "tinyint", "tinytext", "to", "trailing", "trigger", "true", "undo", "union", "unique", "unlock",
    "unsigned", "update", "usage", "use", "using", "utc_date", "utc_time", "utc_timestamp", "values",
    "varbinary", "varchar", "varcharacter", "varying", "virtual", "when", "where", "while", "window", "with",
    "write", "xor", "year_month", "zerofill",
]);

/**
 * Words MySQL 8.4 reserves that 8.0 did not, so the 8.0 list above misses them: MANUAL, PARALLEL,
 * QUALIFY and TABLESAMPLE (MySQL bug #114874, bugs.mysql.com/bug.php?id=114874, "In MySQL 8.4.0, four
 * new reserved words were added": `CREATE TABLE manual (id int)` fails with ER_PARSE_ERROR). 8.4's
 * INFORMATION_SCHEMA.KEYWORDS marks them RESERVED = 0 by mistake (the same bug), so that table
 * cannot be the source for 8.4. Both lists apply to every MySQL version: a name reserved by a later
 * major would break the engine upgrade.
 */
export const MYSQL_84_RESERVED_WORDS: ReadonlySet<string> = new Set(["manual", "parallel", "qualify", "tablesample"]);

/**
 * PostgreSQL's reserved key words: `SELECT word FROM pg_get_keywords() WHERE catcode = 'R'` run on
 * PostgreSQL 15.18 (Debian 15.18-0+deb12u1), the catalogue of src/include/parser/kwlist.h entries
 * marked RESERVED_KEYWORD.
 */
export const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set([
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
    "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
    "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
    "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
    "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
    "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user",
    "using", "variadic", "when", "where", "window", "with",
]);

/**
 * The longest user name each engine takes for a user other than the master (which RDS holds to
 * {@link MAX_MASTER_USERNAME_LENGTH}): MySQL "The maximum length for user names in MySQL 8.0 is 32
 * characters" (MySQL 8.0 Reference Manual, replication-features-user-names.html; WL#2284, 5.7.8);
 * PostgreSQL's identifiers, role names included, keep NAMEDATALEN-1 = 63 bytes (PostgreSQL docs,
 * sql-syntax-lexical "Identifiers and Key Words"), which config's identifier pattern already bounds.
 */
export const MAX_USERNAME_LENGTH: Readonly<Record<"mysql" | "postgres", number>> = { mysql: 32, postgres: 63 };

/**
 * The longest database and table name each engine takes. MySQL 64: RDS CreateDBInstance DBName, "RDS
 * for MySQL ... Must contain 1 to 64 letters or numbers" (boto/botocore botocore/data/rds/2014-10-31/service-2.json
 * at 0e6e2404), and the MySQL 8.4 Reference Manual, "Identifier Length Limits" (Database 64, Table 64).
 * PostgreSQL 63: DBName "RDS for PostgreSQL ... Must contain 1 to 63 letters, numbers, or underscores" (the
 * same file), NAMEDATALEN-1 as for every identifier (PostgreSQL docs, sql-syntax-lexical).
 */
export const MAX_NAME_LENGTH: Readonly<Record<"mysql" | "postgres", number>> = { mysql: 64, postgres: 63 };

/** Why `name` is too long for a database or table name (`what`) of `engine`, or undefined. */
export function nameLengthProblem(engine: "mysql" | "postgres", name: string, what: string): string | undefined {
    const max = MAX_NAME_LENGTH[engine];
    return name.length > max ? `expected at most ${max} characters (the ${ENGINE_NAMES[engine]} limit for ${what}, ${name.length} given)` : undefined;
}

/**
 * The prefix of the roles RDS for PostgreSQL keeps for itself (`rds_superuser`, `rds_replication`,
 * `rds_password`, `rds_iam`: RDS User Guide, Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser),
 * refused for the application role on both engines so that no name can be mistaken for one of them.
 */
export const RDS_ROLE_PREFIX = "rds_";

/**
 * Why `name` cannot be the application role (components/database-grants.ts) of `engine` beside the
 * master user `master`, or undefined: the engine's user name length, RDS's own users and roles, the
 * engine's reserved words and PostgreSQL's `pg_` names, and a name other than the master's (compared
 * without case, so that the two can never be confused, whatever the engine's rule for case).
 */
export function appUsernameProblem(engine: "mysql" | "postgres", name: string, master: string): string | undefined {
    const max = MAX_USERNAME_LENGTH[engine];
    if (name.length > max) {
        return `expected at most ${max} characters (the ${engine === "mysql" ? "MySQL" : "PostgreSQL"} limit for a user name, ${name.length} given)`;
    }
    const lower = name.toLowerCase();
    if (lower === master.toLowerCase()) {
        return `expected a name other than the master user's ("${master}"): the application must not connect as the user that owns the schema`;
    }
    if (RDS_RESERVED_USERS.includes(lower) || lower.startsWith(RDS_ROLE_PREFIX)) {
        return `expected a name other than "rdsadmin" and not starting with "${RDS_ROLE_PREFIX}", which RDS keeps for its own users and roles`;
    }
    if (engine === "postgres" && lower.startsWith("pg_")) {
        return 'expected a name not starting with "pg_": PostgreSQL reserves those role names';
    }
    // Quoted, the grants script would take one; an application's driver or ORM, unquoted, would not.
    return isReservedWord(engine, name) ? `expected a name that is not a ${ENGINE_NAMES[engine]} reserved word (a client that leaves it unquoted fails)` : undefined;
}

/**
 * The databases a fresh server of the engine already has: MySQL and MariaDB `mysql`,
 * `information_schema`, `performance_schema` and `sys` (MySQL 8.4 Reference Manual, "The mysql System
 * Schema", "INFORMATION_SCHEMA Tables", "MySQL Performance Schema", "MySQL sys Schema"; MariaDB 10.6+
 * has all four), PostgreSQL `postgres`, `template0` and `template1` (PostgreSQL manual, "Template
 * Databases": initdb creates them). The stack's database is
 * its own: the nightly restore check (scripts/db/verify.sh) creates DB_NAME in a fresh throw-away
 * server before restoring into it ("CREATE DATABASE"), which fails for every one of these names.
 */
export const SYSTEM_DATABASES: Readonly<Record<"mysql" | "postgres", readonly string[]>> = {
    mysql: ["mysql", "information_schema", "performance_schema", "sys"],
    postgres: ["postgres", "template0", "template1"],
};

/** Why `name` cannot be the stack's database of `engine` for being one the server has already, or undefined. */
export function systemDatabaseProblem(engine: "mysql" | "postgres", name: string): string | undefined {
    // Names compare with case (verify.sh quotes them), but MySQL's INFORMATION_SCHEMA, whatever the case given
    // (MySQL 8.4 Reference Manual, "Identifier Case Sensitivity").
    const taken = SYSTEM_DATABASES[engine].includes(name) || (engine === "mysql" && name.toLowerCase() === "information_schema");
    return taken
        ? `expected a database of the stack's own, not ${SYSTEM_DATABASES[engine].map((n) => JSON.stringify(n)).join(", ").replace(/, ([^,]*)$/, " or $1")}, which every ${ENGINE_NAMES[engine]} server has already (the nightly restore check creates the database in a fresh server, and would fail every night)`
        : undefined;
}

/** Why RDS would refuse `name` as the master user of `engine`, or undefined when it would not. */
export function masterUsernameProblem(engine: "mysql" | "postgres", name: string): string | undefined {
    if (name.length > MAX_MASTER_USERNAME_LENGTH) {
        return `expected at most ${MAX_MASTER_USERNAME_LENGTH} characters (an RDS limit for the master user, ${name.length} given)`;
    }
    const lower = name.toLowerCase();
    if (RDS_RESERVED_USERS.includes(lower)) {
        return `expected a name other than "${lower}", which RDS keeps for its own administration user`;
    }
    if (engine === "postgres" && lower.startsWith("pg_")) {
        return 'expected a name not starting with "pg_": PostgreSQL reserves those role names';
    }
    return reservedWordProblem(engine, name, "the master user");
}

/**
 * Why RDS would refuse `name` as `what` (the master user, the database) for being a reserved word of
 * `engine` (CreateDBInstance DBName: "Can't be a word reserved by the specified database engine").
 */
export function reservedWordProblem(engine: "mysql" | "postgres", name: string, what: string): string | undefined {
    return isReservedWord(engine, name) ? `expected a name that is not a ${ENGINE_NAMES[engine]} reserved word (RDS refuses one as ${what})` : undefined;
}

const ENGINE_NAMES = { mysql: "MySQL", postgres: "PostgreSQL" } as const;

/** `name` is a reserved word of `engine` (compared without case, as both engines do). */
function isReservedWord(engine: "mysql" | "postgres", name: string): boolean {
    const lower = name.toLowerCase();
    return engine === "mysql" ? MYSQL_RESERVED_WORDS.has(lower) || MYSQL_84_RESERVED_WORDS.has(lower) : POSTGRES_RESERVED_WORDS.has(lower);
}
