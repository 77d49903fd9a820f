# syntax=docker/dockerfile:1.7
# One image, two entry points: the API (default CMD) and the BullMQ worker.
#   API:        docker run IMAGE                                   -> node dist/app/main.js     (port 3000)
#   worker:     docker run IMAGE node dist/worker/main.js           (metrics/health on 9464)
#   migrations: docker run IMAGE node dist/app/migrate.js           (Kubernetes Job, DATABASE_MIGRATION_URL)
# Node 20.20 is required: node-pg-migrate 9 is ESM-only and is loaded from CommonJS (require(esm), Node >= 20.19).

ARG NODE_IMAGE=node:20.20-bookworm-slim

# --- build: all dependencies, compile TypeScript --------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY app ./app
COPY worker ./worker
RUN npx tsc -p tsconfig.build.json \
 && cp -r core/migrations dist/core/migrations

# --- deps: production dependencies only ---------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: no compiler, no dev dependencies, no shell tools beyond the base, non-root ------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    WORKER_METRICS_PORT=9464
WORKDIR /app
COPY --from=deps --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chown=root:root package.json ./
# the image's `node` user (uid 1000); files stay root-owned and read-only to it
USER 1000:1000
EXPOSE 3000 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT??3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/app/main.js"]
