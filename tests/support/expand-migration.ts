/**
 * One expand migration, the fixture of the tests about an update that migrates: blue live on 1.4.2
 * (runs schema versions 3 and 4), green's new release migrates to 4, from a record at 3.
 */
const S = "launchpad:services.api.releases";

/** The `--set`s: blue supports [3, 4]; green migrates to 4 and supports [4, 5]. */
export const EXPAND = [
    `${S}.blue.schema={version: 3, supports: [3, 4]}`,
    `${S}.green.migrate={command: ["./migrate", "up"]}`,
    `${S}.green.schema={version: 4, supports: [4, 5]}`,
];

/** The outputs of the update before: the record at 3, blue live. */
export const PREVIOUS = { schemaVersions: { api: { version: 3, migrations: [] } }, liveServices: { api: { service: "api", color: "blue" } } };
