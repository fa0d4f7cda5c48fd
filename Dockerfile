# syntax=docker/dockerfile:1
# jw238dns container image: docker build -t jw238dns:0.1.0 .
#
# Three stages: `build` compiles the TypeScript with the dev dependencies, `deps` installs the
# runtime dependencies only, and the final image is distroless Node.js 24 (no shell, no npm, no
# compiler, no package manager) running as the unprivileged user 65532. Checked by
# test/deploy/dockerfile.test.ts.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts are needed: nothing is compiled natively.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# The layout the code expects: dist/ beside package.json (read for --version) and node_modules/.
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# A default config so that `docker run` serves something; Kubernetes mounts its ConfigMap here.
COPY examples/config.yaml /etc/jw238dns/config.yaml
USER 65532:65532
# DNS on UDP and TCP, and the HTTP API (the ports of examples/config.yaml and deploy/kubernetes).
EXPOSE 1053/udp 1053/tcp 8080/tcp
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
CMD ["--config", "/etc/jw238dns/config.yaml"]
