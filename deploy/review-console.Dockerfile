# syntax=docker/dockerfile:1
# The review console (review-console/, io.doppel.review.ReviewConsoleMain): CPU only, on a slim JRE.
# Build from the repository root:
#   docker build -f deploy/review-console.Dockerfile -t ghcr.io/doppel-project/doppel-review-console:0.1.0 .
# Configured from DOPPEL_REVIEW_* (review-console/README.md, "Configuration"); serves on 8090 behind an
# authenticating proxy. The same image mints sign-in links with the console's session secret:
#   java -cp '/app/lib/*' io.doppel.review.SignInLinkMain NAME GROUPS   (or DOPPEL_MAIN_CLASS=...)

FROM maven:3.9.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl review-console -am -DskipTests install \
 && mvn -B -q -pl review-console dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=target/lib \
 && cp review-console/target/review-console-*.jar review-console/target/lib/

FROM eclipse-temurin:21.0.8_9-jre-noble
ENV DOPPEL_MAIN_CLASS=io.doppel.review.ReviewConsoleMain \
    DOPPEL_JAVA_OPTS="--enable-native-access=ALL-UNNAMED -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.doppel.schemas.avro -Dlogback.configurationFile=doppel-logback-json.xml -XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError"
RUN groupadd --system --gid 10001 doppel \
 && useradd --system --uid 10001 --gid doppel --home-dir /nonexistent --shell /usr/sbin/nologin doppel
COPY --from=build /src/review-console/target/lib/ /app/lib/
USER 10001:10001
WORKDIR /app
EXPOSE 8090
# The page itself (public: it holds no data) answers once the HTTP server runs; the console has no
# separate health endpoint.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${DOPPEL_REVIEW_PORT:-8090} && printf 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# exec: the JVM is PID 1 and receives SIGTERM.
ENTRYPOINT ["/bin/sh", "-c", "exec java $DOPPEL_JAVA_OPTS -cp '/app/lib/*' \"$DOPPEL_MAIN_CLASS\" \"$@\"", "--"]
