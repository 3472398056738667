/**
 * dump.sh's check phase downloads the database's CA bundle (DB_SSL_CA_URL, in the CronJob AWS's RDS
 * bundle of the stack's partition: config/region.ts rdsCaBundleUrl) for the dump phase to verify the server with.
 * It must fail closed: only https, the download's own certificate verified by curl, a body without
 * a PEM certificate refused, and nothing left at DB_SSL_CA after any failure (the dump phase then
 * refuses to start). Run for real: curl against an HTTPS server of this process whose certificate
 * comes from a CA made here with openssl; the AWS CLI is a stand-in that lists nothing.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCa, serverCertificate, type TestCa } from "./support/db-tls";
import { assertTools, findTools, missingTools, run, skipForMissing } from "./support/db-tools";
import { scratchDir } from "./support/scratch";

const DUMP_SH = join(__dirname, "..", "scripts", "db", "dump.sh");
const tools = findTools();
const missing = missingTools(tools, ["curl", "openssl"]);

/** The HTTPS server both suites download from, its certificate from `webCa`, made once for the file. */
let root = "";
let webCa: TestCa;
let otherCa: TestCa;
/** What the server serves at /bundle.pem: two real CA certificates, as RDS's bundle holds many. */
let bundle = "";
let server: Server | undefined;
let base = "";

beforeAll(async () => {
    if (missing.length > 0) return;
    root = scratchDir("launchpad-db-ca-");
    const openssl = tools.openssl ?? "openssl";
    [webCa, otherCa] = await Promise.all([makeCa(openssl, root, "web-ca"), makeCa(openssl, root, "other-ca")]);
    bundle = readFileSync(webCa.cert, "utf8") + readFileSync(otherCa.cert, "utf8");
    const tls = await serverCertificate(openssl, webCa, "web", ["localhost"]);
    server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
        if (req.url === "/bundle.pem") {
            res.writeHead(200, { "content-type": "application/x-pem-file" }).end(bundle);
        } else if (req.url === "/maintenance.html") {
            res.writeHead(200, { "content-type": "text/html" }).end("<html><body>down for maintenance</body></html>\n");
        } else if (req.url === "/to-http") {
            res.writeHead(302, { location: "http://localhost:9/bundle.pem" }).end();
        } else {
            res.writeHead(404).end("not found\n");
        }
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    base = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
});

describe("dump.sh check: the database CA bundle comes over verified HTTPS, or the run fails and leaves none", () => {
    /** Runs the check phase with `url`, curl trusting `trust` (CURL_CA_BUNDLE, curl's own variable); returns the run and WORK_DIR. */
    const check = async (name: string, url: string, trust: string): Promise<{ code: number | null; stdout: string; stderr: string; workDir: string }> => {
        const bin = join(root, `${name}-bin`);
        const workDir = join(root, `${name}-work`);
        mkdirSync(bin);
        mkdirSync(workDir);
        // The day's listing: nothing yet ("None" is what the AWS CLI prints for an empty text query).
        writeFileSync(join(bin, "aws"), "#!/bin/sh\necho None\n", { mode: 0o755 });
        const r = await run("bash", [DUMP_SH, "check"], {
            env: {
                PATH: `${bin}:/usr/bin:/bin`, LANG: "C.UTF-8", TMPDIR: root, CURL_CA_BUNDLE: trust,
                BACKUP_BUCKET: "b", AWS_REGION: "us-east-1", DB_NAME: "shop", WORK_DIR: workDir, BACKUP_DATE: "2024-12-03",
                DB_SSL_CA_URL: url, DB_SSL_CA: join(workDir, "db-ca.pem"),
            },
        });
        return { code: r.code, stdout: r.stdout, stderr: r.stderr, workDir };
    };

    it.skipIf(skipForMissing("CA bundle download (curl, openssl)", missing))("downloads the bundle byte for byte to DB_SSL_CA, then looks for the day's dump", async () => {
        assertTools("CA bundle download", missing);
        const r = await check("ok", `${base}/bundle.pem`, webCa.cert);
        expect([r.code, r.stdout, r.stderr]).toEqual([0, "", ""]);
        expect(readFileSync(join(r.workDir, "db-ca.pem"), "utf8")).toBe(bundle);
        expect(readdirSync(r.workDir).sort()).toEqual(["db-ca.pem", "reuse.env"]);
    });

    it.skipIf(skipForMissing("CA bundle download (curl, openssl)", missing)).for<{ what: string; path: string; trust: () => string; line: (url: string) => string }>([
        {
            what: "a download whose own certificate curl cannot verify (a man in the middle of the download)",
            path: "/bundle.pem", trust: () => otherCa.cert,
            line: (url) => `dump.sh: downloading the database CA bundle from ${url} failed: curl: (60) SSL certificate problem: unable to get local issuer certificate\n`,
        },
        {
            what: "an HTTP error", path: "/missing.pem", trust: () => webCa.cert,
            line: (url) => `dump.sh: downloading the database CA bundle from ${url} failed: curl: (22) The requested URL returned error: 404\n`,
        },
        {
            what: "a page that holds no certificate", path: "/maintenance.html", trust: () => webCa.cert,
            line: (url) => `dump.sh: the database CA bundle from ${url} holds no PEM certificate\n`,
        },
        {
            what: "a redirect to plain http (curl --proto-redir =https)", path: "/to-http", trust: () => webCa.cert,
            line: (url) => `dump.sh: downloading the database CA bundle from ${url} failed: curl: (1) Protocol "http" not supported or disabled in libcurl\n`,
        },
    ])("fails, one line, and leaves no bundle: $what", async ({ path, trust, line }) => {
        assertTools("CA bundle download", missing);
        const url = `${base}${path}`;
        const r = await check(`fail${path.replace(/\W/g, "-")}`, url, trust());
        expect([r.code, r.stdout, r.stderr]).toEqual([1, "", line(url)]);
        expect([existsSync(join(r.workDir, "db-ca.pem")), readdirSync(r.workDir)]).toEqual([false, []]);
    });
});

const CA_FETCH_SH = join(__dirname, "..", "scripts", "db", "ca-fetch.sh");

/**
 * The same fetch for an application pod: scripts/db/ca-fetch.sh, the `db-ca` init container of every
 * service Deployment and migration Job that connects to the database (components/database-client.ts),
 * run here with exactly the env the container gets (DB_SSL_CA_URL, DB_SSL_CA = DATABASE_CA_FILE's
 * place, HOME), from a copy of the ConfigMap's two files. Any failure exits non-zero, which keeps the
 * pod from starting: never an app without its bundle, never an empty bundle.
 */
describe("ca-fetch.sh (the app pods' db-ca init container): the bundle, or no pod", () => {
    /** Runs ca-fetch.sh with the init container's env (`url` undefined: the container gets no DB_SSL_CA_URL); returns the run and the bundle's directory. */
    const fetchCa = async (name: string, url: string | undefined): Promise<{ code: number | null; stdout: string; stderr: string; caDir: string; tmp: string }> => {
        const caDir = join(root, `${name}-ca`);
        const tmp = join(root, `${name}-tmp`);
        mkdirSync(caDir);
        mkdirSync(tmp);
        const r = await run("bash", [CA_FETCH_SH], {
            env: {
                PATH: "/usr/bin:/bin", LANG: "C.UTF-8", TMPDIR: tmp, HOME: tmp, CURL_CA_BUNDLE: webCa.cert,
                ...(url !== undefined ? { DB_SSL_CA_URL: url } : {}), DB_SSL_CA: join(caDir, "rds-ca-bundle.pem"),
            },
        });
        return { code: r.code, stdout: r.stdout, stderr: r.stderr, caDir, tmp };
    };

    it.skipIf(skipForMissing("CA bundle download (curl, openssl)", missing))("puts the bundle at DB_SSL_CA byte for byte, and leaves nothing else behind", async () => {
        assertTools("CA bundle download", missing);
        const url = `${base}/bundle.pem`;
        const r = await fetchCa("app-ok", url);
        expect([r.code, r.stdout, r.stderr]).toEqual([0, `fetched the database CA bundle from ${url} to ${join(r.caDir, "rds-ca-bundle.pem")}\n`, ""]);
        expect(readFileSync(join(r.caDir, "rds-ca-bundle.pem"), "utf8")).toBe(bundle);
        expect([readdirSync(r.caDir), readdirSync(r.tmp)]).toEqual([["rds-ca-bundle.pem"], []]);
    });

    it.skipIf(skipForMissing("CA bundle download (curl, openssl)", missing))("fails with status 1 and leaves no bundle when the download fails", async () => {
        assertTools("CA bundle download", missing);
        const url = `${base}/missing.pem`;
        const r = await fetchCa("app-404", url);
        expect([r.code, r.stdout, r.stderr]).toEqual([1, "", `ca-fetch.sh: downloading the database CA bundle from ${url} failed: curl: (22) The requested URL returned error: 404\n`]);
        expect([readdirSync(r.caDir), readdirSync(r.tmp)]).toEqual([[], []]);
    });

    // config/region.ts RDS_CA_BUNDLE_URLS knows no address in China or the European Sovereign Cloud, and
    // config then requires launchpad:database.caBundleUrl; should the container still get no
    // DB_SSL_CA_URL, the pod must not start rather than start unverified.
    it("fails with status 2, before any download, without a bundle address", async () => {
        const r = await run("bash", [CA_FETCH_SH], { env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", DB_SSL_CA: "/nonexistent/rds-ca-bundle.pem" } });
        expect([r.code, r.stdout, r.stderr]).toEqual([2, "", "ca-fetch.sh: DB_SSL_CA_URL is not set: no address of the RDS CA bundle (launchpad:database.caBundleUrl, else " +
            "config/region.ts RDS_CA_BUNDLE_URLS for the stack's partition), and the application must not connect without verifying the database's certificate\n"]);
    });
});
