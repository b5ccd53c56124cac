# syntax=docker/dockerfile:1
# herald's image: one static binary (musl) on distroless, running as the non-root user 65532.
#   docker build -t ghcr.io/herald-gitops/herald:0.1.0 .
# The build needs BuildKit (the default builder of current Docker) for its cache mounts.

FROM rust:1-bookworm AS build
# musl-gcc builds the C parts (LuaJIT, ring) for the musl target.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --profile dist --locked --target x86_64-unknown-linux-musl --bin herald \
 && cp target/x86_64-unknown-linux-musl/dist/herald /usr/local/bin/herald

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="herald" \
      org.opencontainers.image.description="Health and notification companion for Flux and Argo CD" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /usr/local/bin/herald /usr/local/bin/herald
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["run", "--listen", "0.0.0.0:8080"]
