#!/usr/bin/env bash
# The database's CA bundle for an application pod: run by the `db-ca` init container of every
# service Deployment and migration Job that connects to the database (components/database-client.ts),
# in the pinned AWS CLI image (it has curl), before the app container starts. It downloads the RDS
# bundle of the stack's partition with the same fail-closed fetch as the logical dumps
# (lib.sh fetch_ca_bundle: https only, the download's certificate verified, a body without a PEM
# certificate refused, nothing left behind on failure) into the emptyDir the app container mounts
# read-only at DATABASE_CA_FILE's directory.
#
# Fail closed: any failure exits non-zero, so the pod never starts and the app never connects
# without the bundle; the color's rollout then fails, its gate never runs, and the live color is
# untouched. Where no address is known for the partition (config/region.ts RDS_CA_BUNDLE_URLS:
# China, European Sovereign Cloud), config requires launchpad:database.caBundleUrl; should the
# container still get no DB_SSL_CA_URL, the pod fails here, as the dumps do: never an empty file,
# which a client could read as "no CA".
#
# Environment:
#   DB_SSL_CA       where the bundle goes (DATABASE_CA_FILE)                     required
#   DB_SSL_CA_URL   the bundle's https:// address (config/region.ts rdsCaBundleUrl)  unset where none is known
#
# Exit status: 0 with the bundle in place, 1 on a failed download, 2 on a configuration error; one line on stderr.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
strict_mode

require_env DB_SSL_CA
[[ -n ${DB_SSL_CA_URL:-} ]] ||
    die "DB_SSL_CA_URL is not set: no address of the RDS CA bundle (launchpad:database.caBundleUrl, else config/region.ts RDS_CA_BUNDLE_URLS for the stack's partition), and the application must not connect without verifying the database's certificate" 2
open_error_log
trap 'rm -f "$error_log"' EXIT
fetch_ca_bundle "$DB_SSL_CA_URL" "$DB_SSL_CA"
printf 'fetched the database CA bundle from %s to %s\n' "$DB_SSL_CA_URL" "$DB_SSL_CA"
