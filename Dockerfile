# syntax=docker/dockerfile:1.7
# One image, three entry points, each one esbuild bundle in dist/ (`npm run build`); the runtime stage carries no
# node_modules, so nothing the deploy machine needs (Pulumi SDKs, ts-node, TypeScript) can reach it.
#   API:        docker run IMAGE                                   -> node dist/app/main.js     (port 3000, heap capped)
#   worker:     docker run IMAGE node dist/worker/main.js           (metrics/health on 9464)
#   migrations: docker run IMAGE node dist/app/migrate.js           (Kubernetes Job, DATABASE_MIGRATION_URL)
# Node 24 LTS: supported until April 2028 (Node 20 reached its end of life in April 2026). The tests build this
# file as it is on a stand-in of this base made from Debian packages and the registry's Node (tools/image/).
# Behind a TLS-intercepting proxy, hand its CA to the build as a secret; it is mounted for the install step only
# and never lands in a layer:  docker buildx build --secret id=build_ca,src=/path/to/proxy-ca.pem .

ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- build: the lockfile's dependencies, then the bundles --------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# `npm install` with the lockfile, not `npm ci`: see the README's quick start (other platforms' optional binaries).
RUN --mount=type=secret,id=build_ca,required=false \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    if [ -f /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
 && npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY app ./app
COPY worker ./worker
RUN npm run build

# --- runtime: the bundles, their source maps and the migrations' SQL on the bare base, non-root -----------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    PORT=3000 \
    WORKER_METRICS_PORT=9464
WORKDIR /app
COPY --from=build --chown=root:root /src/dist ./dist
# the base image's `node` user (uid 1000); files stay root-owned and read-only to it, the root filesystem can be
# mounted read-only (pods mount an emptyDir on /tmp)
USER 1000:1000
EXPOSE 3000 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT??3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# infra/lib/app-pods.ts API_COMMAND (its heap cap is explained there); test/image checks they agree
CMD ["node", "--max-old-space-size=192", "dist/app/main.js"]
