/**
 * Certificate authorities and server certificates for the database TLS tests, made with the openssl
 * command line in a scratch directory: never checked-in key material. Each CA is its own
 * self-signed root; a server certificate names exactly the hosts it is given (subjectAltName, as
 * RDS's name the instance endpoint), so a client asked to verify another name must refuse it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { deploymentSpec } from "../../components/blue-green-service";
import { serviceFor } from "./config";
import { startDatabase, type DatabaseSpec, type Engine, type TestDatabase } from "./db-servers";
import { runOk, type DbTools } from "./db-tools";

export interface TestCa {
    readonly dir: string;
    /** The CA's certificate, the bundle a client is given (DB_SSL_CA). */
    readonly cert: string;
    readonly key: string;
}

export interface ServerCertificate {
    readonly cert: string;
    readonly key: string;
    /** The names in its subjectAltName. */
    readonly hosts: readonly string[];
}

/** A self-signed CA `name` in `dir` (P-256: quick to make), valid two days. */
export async function makeCa(openssl: string, dir: string, name: string): Promise<TestCa> {
    const cert = join(dir, `${name}.pem`);
    const key = join(dir, `${name}.key`);
    await runOk(openssl, [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
        "-days", "2", "-subj", `/CN=Launchpad test CA ${name}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return { dir, cert, key };
}

/** A server certificate `name` signed by `ca`, for exactly `hosts` (an IPv4 address as an IP entry). */
export async function serverCertificate(openssl: string, ca: TestCa, name: string, hosts: readonly string[]): Promise<ServerCertificate> {
    const cert = join(ca.dir, `${name}.pem`);
    const key = join(ca.dir, `${name}.key`);
    const csr = join(ca.dir, `${name}.csr`);
    const ext = join(ca.dir, `${name}.ext`);
    const san = hosts.map((h) => (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
    writeFileSync(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
    await runOk(openssl, ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${hosts[0]}`]);
    await runOk(openssl, ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", String(Date.now()), "-days", "2", "-extfile", ext, "-out", cert]);
    return { cert, key, hosts };
}

/** A server that speaks TLS only, the CA that signed its certificate, and one that did not. */
export interface TlsServer {
    readonly db: TestDatabase;
    readonly serverCa: TestCa;
    readonly otherCa: TestCa;
}

/**
 * A real `engine` server in `root`/server that refuses TCP without TLS, its certificate for `host`
 * only, signed by a CA made in `root`/pki (both directories reachable by the server's user).
 */
export async function startTlsServer(engine: Engine, tools: DbTools, root: string, spec: DatabaseSpec, host: string): Promise<TlsServer> {
    mkdirSync(join(root, "server"), { mode: 0o711 });
    const pki = join(root, "pki");
    mkdirSync(pki, { mode: 0o711 });
    const openssl = tools.openssl ?? "openssl";
    const [serverCa, otherCa] = await Promise.all([makeCa(openssl, pki, "server-ca"), makeCa(openssl, pki, "other-ca")]);
    const certificate = await serverCertificate(openssl, serverCa, "server", [host]);
    const db = await startDatabase(engine, tools, join(root, "server"), spec, certificate);
    return { db, serverCa, otherCa };
}

/** The app container's env, as `deploymentSpec` builds it for a service of a stack whose database runs `engine`. */
async function podEnv(engine: Engine): Promise<k8s.types.input.core.v1.EnvVar[]> {
    const service = await serviceFor("staging", "api");
    const spec = deploymentSpec({
        service: { ...service, connectDatabase: true },
        color: "blue",
        project: "launchpad",
        zoneSpread: "DoNotSchedule",
        database: { secretName: "database-app-connection", adminSecretName: "database-connection", connectionDigest: "0a1b2c3d4e", engine, caBundleUrl: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem", caFetchConfigMap: "api-db-ca-fetch" },
    });
    const pod = (spec.template as { spec: k8s.types.input.core.v1.PodSpec }).spec;
    return (pod.containers as k8s.types.input.core.v1.Container[])[0].env as k8s.types.input.core.v1.EnvVar[];
}

/** `DATABASE_*` of the pod, the Secret's keys read from `secret` (its keys as components/database.ts `connectionSettings` writes them). */
function resolve(env: readonly k8s.types.input.core.v1.EnvVar[], secret: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of env as readonly { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[]) {
        if (e.name.startsWith("DATABASE_")) {
            const key = e.valueFrom?.secretKeyRef?.key;
            out[e.name] = key !== undefined ? secret[key] : (e.value as string);
        }
    }
    return out;
}

/** A {@link TlsServer} and the env an app container connecting to it gets. */
export interface TlsApp extends TlsServer {
    /** The app container's DATABASE_* ({@link podEnv}), the Secret's keys those of the server, at `host`. */
    readonly pod: Readonly<Record<string, string>>;
    /** `pod`, but DATABASE_CA_FILE a file in root holding serverCa's certificate: what the `db-ca` init container leaves there. */
    readonly env: Readonly<Record<string, string>>;
}

/** {@link startTlsServer} with database `shop`, user `app` and `password`, and the pod's env for it. */
export async function startTlsApp(engine: Engine, tools: DbTools, root: string, password: string, host: string): Promise<TlsApp> {
    const server = await startTlsServer(engine, tools, root, { database: "shop", user: "app", password }, host);
    const { db } = server;
    const pod = resolve(await podEnv(engine), { host, port: String(db.port), database: db.database, username: db.user, password: db.password, engine: db.engine });
    const bundle = join(root, "rds-ca-bundle.pem");
    writeFileSync(bundle, readFileSync(server.serverCa.cert));
    return { ...server, pod, env: { ...pod, DATABASE_CA_FILE: bundle } };
}
