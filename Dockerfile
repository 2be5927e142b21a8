# syntax=docker/dockerfile:1
# The Pipewright runner image: the CLI on plain Node.js, what `pipewright export --to argo`
# schedules (each pod runs `pipewright run-node`).
#
#   npm ci && npm run build:node          # dist/ is built outside the image
#   docker build -t pipewright-runner .
#   docker build -t pipewright-runner:gpu \
#     --build-arg BASE_IMAGE=nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04 \
#     --build-arg TFJS_NODE=tfjs-node-gpu .
#
# The same image serves a model (what `pipewright export-model --to kserve` runs):
#   docker run -p 8080:8080 -v $PWD/models:/mnt/models pipewright-runner \
#     serve --model-file /mnt/models/cancer-v1.model.json --host 0.0.0.0 --port 8080 --no-auth
#
# Pipelines read their data relative to the pipeline file, which Argo places in /work: build a
# project image FROM this one that copies the data there, or mount a volume at /work/<folder>.

ARG BASE_IMAGE=node:20-bookworm-slim
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS node

FROM ${BASE_IMAGE}
# "", "tfjs-node" or "tfjs-node-gpu": the native TensorFlow backend, installed when the network allows.
ARG TFJS_NODE=""
ARG TFJS_VERSION=4.22.0
ARG UID=1000

# A CUDA base has no Node.js: take the same Node 20 as the default base (a no-op there).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -sf /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -sf /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && (getent passwd "${UID}" >/dev/null || useradd --uid "${UID}" --user-group --create-home pipewright) \
 && mkdir -p /work /in /out \
 && chown "${UID}:${UID}" /work /in /out

ENV NODE_ENV=production
WORKDIR /app

# `npm ci` runs the package's prepare script, which keeps the prebuilt dist/ when esbuild is absent.
COPY package.json package-lock.json ./
COPY scripts/build-node.mjs scripts/build-node.mjs
COPY dist/ dist/
RUN npm ci --omit=dev --no-audit --no-fund \
 && if [ -n "${TFJS_NODE}" ]; then \
      npm install --no-save --no-audit --no-fund "@tensorflow/${TFJS_NODE}@${TFJS_VERSION}" \
      || echo "warning: @tensorflow/${TFJS_NODE} did not install; nodes fall back to the wasm/cpu backend" >&2; \
    fi \
 && npm cache clean --force

COPY bin/ bin/
COPY resources/ resources/
RUN ln -sf /app/bin/pipewright.cjs /usr/local/bin/pipewright

# Numeric, so Kubernetes can verify runAsNonRoot.
USER ${UID}:${UID}
WORKDIR /work
# `pipewright serve` in a container (KServe's port)
EXPOSE 8080
ENTRYPOINT ["pipewright"]
CMD ["--help"]
