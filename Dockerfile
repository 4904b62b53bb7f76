# influxdb3-engine image: docker build -t influxdb3-engine . && docker run -p 8181:8181 influxdb3-engine
# The Processing Engine is on (INFLUXDB3_PLUGIN_DIR=/plugins); -e INFLUXDB3_UNSET_VARS=INFLUXDB3_PLUGIN_DIR turns it off
# (README "Docker").

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
# npm run build: the server (tsc), its build info and the web console (console/build.mjs, esbuild).
COPY scripts/build-info.mjs ./scripts/
COPY console ./console
# The revision `influxdb3 --version` and /ping report: docker build --build-arg INFLUXDB3_GIT_HASH=$(git rev-parse HEAD) .
ARG INFLUXDB3_GIT_HASH
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf node_modules/.bin

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-msgpack \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system influxdb3 \
 && useradd --system --gid influxdb3 --home-dir /var/lib/influxdb3 --shell /usr/sbin/nologin influxdb3 \
 && install -d -m 0750 -o influxdb3 -g influxdb3 /var/lib/influxdb3 /var/lib/influxdb3/data \
 && install -d -m 0755 -o influxdb3 -g influxdb3 /plugins \
 && mkdir -p /usr/lib/influxdb3-engine/node/bin \
 && ln -s /usr/local/bin/node /usr/lib/influxdb3-engine/node/bin/node

# Same layout as the DEB/RPM packages: /usr/bin/influxdb3 runs /usr/lib/influxdb3-engine/dist/main.js.
COPY --from=build /src/package.json /usr/lib/influxdb3-engine/
COPY --from=build /src/dist /usr/lib/influxdb3-engine/dist
COPY --from=build /src/node_modules /usr/lib/influxdb3-engine/node_modules
COPY python-runner/plugin_runner /usr/lib/influxdb3-engine/python-runner/plugin_runner
COPY plugins/*.py plugins/*.md /usr/share/influxdb3-engine/examples/
COPY packaging/influxdb3 /usr/bin/influxdb3
RUN chmod 0755 /usr/bin/influxdb3 && python3 -m compileall -q /usr/lib/influxdb3-engine/python-runner

# Engine on by default: INFLUXDB3_UNSET_VARS=INFLUXDB3_PLUGIN_DIR turns it off (an empty value keeps it on, with a warning).
# The plugin venv lives with the data, so a /plugins mount the container cannot write still runs local plugins.
ENV INFLUXDB3_PLUGIN_DIR=/plugins \
    INFLUXDB3_OBJECT_STORE=file \
    INFLUXDB3_DB_DIR=/var/lib/influxdb3/data \
    INFLUXDB3_NODE_IDENTIFIER_PREFIX=primary-node \
    INFLUXDB3_HTTP_BIND_ADDR=0.0.0.0:8181 \
    VIRTUAL_ENV=/var/lib/influxdb3/venv

USER influxdb3
WORKDIR /var/lib/influxdb3
VOLUME ["/var/lib/influxdb3", "/plugins"]
EXPOSE 8181
ENTRYPOINT ["/usr/bin/influxdb3"]
CMD ["serve"]
