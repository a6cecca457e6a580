# Chronicle: multi-stage build of the `chronicle` server and its web client.
#   docker build -t chronicle .
#   docker run -p 8000:8000 -v chronicle-data:/data -e CHRONICLE_JWT_SECRET=... chronicle
# The image listens on 0.0.0.0, so it refuses to start without a key
# (CHRONICLE_JWT_SECRET or CHRONICLE_JWT_PUBLIC_KEY) unless CHRONICLE_DEV=true
# asks for dev mode, whose token anyone who can reach the port may fetch.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY model model
COPY store store
COPY api api
COPY tests tests
COPY load load
RUN cargo build --release --locked -p chronicle-api --bin chronicle

FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web-client/package.json web-client/package-lock.json* ./
RUN if [ -f package.json ]; then npm ci; fi
COPY web-client/ ./
COPY schema.graphql /schema.graphql
RUN if [ -f package.json ]; then npm run build; else mkdir -p dist; fi

FROM debian:bookworm-slim AS runtime
RUN groupadd --system chronicle && useradd --system --gid chronicle --home-dir /data chronicle \
    && mkdir -p /data /app/web && chown chronicle:chronicle /data
COPY --from=build /src/target/release/chronicle /usr/local/bin/chronicle
COPY --from=web /web/dist /app/web
USER chronicle
WORKDIR /data
VOLUME ["/data"]
ENV CHRONICLE_LISTEN=0.0.0.0:8000 \
    CHRONICLE_DATA=/data \
    CHRONICLE_WEB=/app/web \
    CHRONICLE_HEALTH_ADDR=127.0.0.1:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["chronicle", "healthcheck"]
ENTRYPOINT ["chronicle"]
CMD ["serve"]
