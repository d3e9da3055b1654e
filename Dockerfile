# syntax=docker/dockerfile:1.7
# Bastion: one self-contained binary on a distroless base.
#   docker build -t bastion:$(git rev-parse --short HEAD) .
# CI builds the same binary with the same package scripts (tests/system/binary.test.ts).

ARG BUN_VERSION=1.4.5

# --- dependencies: exactly the lockfile, nothing resolved at build time ----------------
FROM oven/bun:${BUN_VERSION}-debian AS deps
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile

# --- build: the client bundle, then the server and the operator CLI as binaries ---------
FROM deps AS build
COPY tsconfig.json ./
COPY server ./server
COPY client ./client
RUN bun run build:client
# Knex's optional dialect drivers and the development-only PGlite are left external
# (see the build:server script); production uses PostgreSQL through `pg`.
RUN bun run build:server && bun run build:cli
# RDS server certificates chain to Amazon RDS CAs, which are not in the system store.
ADD --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem \
    /out/certs/rds-global-bundle.pem
RUN mkdir -p /out && cp dist/bastion dist/bastion-cli /out/ && cp -r client/dist /out/client

# --- runtime: glibc + CA certificates, no shell, no package manager, uid 65532 ---------
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=build --chown=0:0 --chmod=0555 /out/bastion /out/bastion-cli /app/
COPY --from=build --chown=0:0 /out/certs /app/certs
COPY --from=build --chown=0:0 /out/client /app/client/dist
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/tmp/bastion
USER 65532:65532
EXPOSE 3000
# The task definition runs the same probe (infra/lib/constructs/api-task.ts).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/app/bastion", "--healthcheck"]
ENTRYPOINT ["/app/bastion"]
