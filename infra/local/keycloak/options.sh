# Keycloak options shared by keycloak-install.sh (build time) and keycloak-start.sh (run time).
# Sourced, not run.
# shellcheck shell=bash

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"

# Build-time options, baked in by `kc.sh build` so that `kc.sh start --optimized` skips the
# Quarkus re-augmentation: an in-memory H2 database, so every start imports the realm afresh and
# a changed infra/keycloak/oriental-realm.json takes effect at the next start.
KEYCLOAK_BUILD_OPTIONS=(--db=dev-mem)

# Run-time options: a local cache (no JGroups cluster listening on every interface), plain HTTP
# on loopback, no fixed hostname (the issuer is the URL the client used).
KEYCLOAK_RUN_OPTIONS=(--cache=local --http-enabled=true --hostname-strict=false --log-console-color=false)
