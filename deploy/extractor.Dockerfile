# syntax=docker/dockerfile:1
# The extractor: ONNX Runtime's CUDA build (-Pgpu) on an NVIDIA CUDA runtime with cuDNN.
# Build from the repository root:
#   docker build -f deploy/extractor.Dockerfile -t ghcr.io/doppel-project/doppel-extractor:0.1.0 .
# The CUDA/cuDNN line must match what onnxruntime_gpu was built against (CUDA 12, cuDNN 9), and
# the node's driver must support this CUDA version.

FROM maven:3.9.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -Pgpu -pl extractor-service -am -DskipTests install \
 && mvn -B -q -Pgpu -pl extractor-service dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=target/lib \
 && cp extractor-service/target/extractor-service-*.jar extractor-service/target/lib/

# Only its JRE is taken: the runtime base is NVIDIA's.
FROM eclipse-temurin:21.0.8_9-jre-noble AS jre

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    LANG=C.UTF-8 \
    DOPPEL_MAIN_CLASS=io.doppel.extractor.service.ExtractorService \
    DOPPEL_JAVA_OPTS="--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.doppel.schemas.avro -Dlogback.configurationFile=doppel-logback-json.xml -XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
RUN groupadd --system --gid 10001 doppel \
 && useradd --system --uid 10001 --gid doppel --home-dir /nonexistent --shell /usr/sbin/nologin doppel \
 && mkdir -p /var/lib/doppel/state \
 && chown -R doppel:doppel /var/lib/doppel
COPY --from=build /src/extractor-service/target/lib/ /app/lib/
USER 10001:10001
WORKDIR /app
EXPOSE 8080
# The image's health is liveness (the process answers on the ops port); compose's healthchecks
# ask /health/ready instead, which also waits for Kafka Streams and the dependencies.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${DOPPEL_OPS_PORT:-8080} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# exec: the JVM is PID 1 and receives SIGTERM, so Kafka Streams shuts down gracefully.
ENTRYPOINT ["/bin/sh", "-c", "exec java $DOPPEL_JAVA_OPTS -cp '/app/lib/*' \"$DOPPEL_MAIN_CLASS\" \"$@\"", "--"]
