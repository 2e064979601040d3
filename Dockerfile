# One image for every component of the sandbox: a static binary and nothing
# else (no shell, no libc, no CA bundle: it only speaks plain HTTP and SMTP).
#
# Here, where no base image can be pulled, build the binary, then the image
# from it (.ci/run does exactly this):
#   CGO_ENABLED=0 go build -trimpath -tags nopgxregisterdefaulttypes -ldflags "-s -w" -o build/proconnect-sandbox ./cmd/proconnect-sandbox
#   DOCKER_BUILDKIT=0 docker build -t proconnect-sandbox:dev -f Dockerfile build/
# Elsewhere, Dockerfile.build does both in one multi-stage build.
FROM scratch
COPY proconnect-sandbox /proconnect-sandbox
# Components listen on every interface of the container; a control token is
# then required (docker-compose.yml sets one).
ENV PROCONNECT_SANDBOX_BIND=0.0.0.0
EXPOSE 7100 7101 7102 7103 7104 7105 7106 7125
VOLUME ["/data"]
ENTRYPOINT ["/proconnect-sandbox"]
CMD ["up"]
