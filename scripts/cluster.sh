#!/usr/bin/env bash
# Runs a small real deployment of the Okta Go Sample on this machine, the
# model for a real one (README, "Deploying"):
#   - redis-server, which holds the sessions and the used login states;
#   - the development provider, once, for all replicas
#     (cmd/okta-sample-devprovider);
#   - three app replicas sharing Redis and the cookie key;
#   - nginx, terminating TLS with a self-signed certificate made by openssl
#     and balancing round robin over the replicas (deploy/nginx.conf).
# It prints the https URL, streams the provider's and the replicas' logs
# with a [name] prefix, and stops everything on exit, ^C or SIGTERM, or as
# soon as one component stops.
#
#   scripts/cluster.sh     # then open https://localhost:8443/
#
# Needs go, redis-server, nginx and openssl (Debian packages redis-server,
# nginx and openssl). Ports, from the environment when set:
#   CLUSTER_HTTPS_PORT (8443)        nginx, the public URL
#   CLUSTER_APP_PORTS ("9001 9002 9003")  the replicas, one each
#   CLUSTER_REDIS_PORT (6390)        redis-server
#   CLUSTER_DEV_PORT (8081)          the development provider
# Everything listens on 127.0.0.1 only.
#
# The replicas are configured with OKTA_SAMPLE_PUBLIC_URL,
# OKTA_SAMPLE_TRUSTED_PROXIES, OKTA_SAMPLE_REDIS_URL and
# OKTA_SAMPLE_COOKIE_KEYS: what every replica must share (README,
# "Deploying"). go test ./deploy/ -run TestClusterScript runs this script
# on free ports and signs in through its nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -u patsub_replacement 2>/dev/null || true # "&" in a replacement stays "&"

https_port=${CLUSTER_HTTPS_PORT:-8443}
read -ra app_ports <<<"${CLUSTER_APP_PORTS:-9001 9002 9003}"
redis_port=${CLUSTER_REDIS_PORT:-6390}
dev_port=${CLUSTER_DEV_PORT:-8081}

say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

missing=()
for cmd in go redis-server redis-cli nginx openssl; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]})); then
  die "missing: ${missing[*]}; install them with: apt-get install redis-server nginx openssl (and Go 1.26)"
fi
((${#app_ports[@]} > 0)) || die "CLUSTER_APP_PORTS is empty"
for port in "$https_port" "${app_ports[@]}" "$redis_port" "$dev_port"; do
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "not a TCP port: $port"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is in use; choose others with CLUSTER_*_PORT (see the header of $0)"
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okta-sample-cluster.XXXXXX")
pids=()   # started processes, in start order
names=()  # their names, for messages
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Stop in reverse order: nginx first, Redis last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# started NAME: records the last background process.
started() { pids+=("$!"); names+=("$1"); }

# wait_for NAME CHECK...: runs CHECK until it succeeds, for at most 15 s,
# and gives up early if NAME's process has exited.
wait_for() {
  local name=$1 pid=${pids[-1]}
  shift
  for _ in $(seq 150); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || die "$name exited while starting (see its output above)"
    sleep 0.1
  done
  die "$name did not start within 15 s"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1"); }

say "building the app and the development provider"
go build -o "$tmp/" ./cmd/okta-sample ./cmd/okta-sample-devprovider

say "starting redis-server on 127.0.0.1:$redis_port"
mkdir "$tmp/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
  --dir "$tmp/redis" --daemonize no --logfile '' > >(sed -u 's/^/[redis] /') 2>&1 &
started redis
wait_for redis-server redis-cli -h 127.0.0.1 -p "$redis_port" ping

# One environment for the provider and every replica. The secret and the
# key are new for each run; a real deployment keeps its keys in a secret
# store and rotates them (README, "Deploying").
public_url="https://localhost:$https_port"
export OKTA_OAUTH2_ISSUER="http://127.0.0.1:$dev_port/oauth2/default"
export OKTA_OAUTH2_CLIENT_ID=0oa-okta-go-sample-dev
OKTA_OAUTH2_CLIENT_SECRET=$(head -c32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export OKTA_OAUTH2_CLIENT_SECRET
export OKTA_OAUTH2_REDIRECT_URI="$public_url/authorization-code/callback"
export OKTA_SAMPLE_PUBLIC_URL="$public_url"
export OKTA_SAMPLE_TRUSTED_PROXIES="127.0.0.1/32,::1/128"
export OKTA_SAMPLE_REDIS_URL="redis://127.0.0.1:$redis_port/0"
OKTA_SAMPLE_COOKIE_KEYS=$(head -c32 /dev/urandom | base64)
export OKTA_SAMPLE_COOKIE_KEYS

say "starting the development provider on 127.0.0.1:$dev_port"
"$tmp/okta-sample-devprovider" -addr "127.0.0.1:$dev_port" > >(sed -u 's/^/[provider] /') 2>&1 &
started provider
wait_for provider port_open "$dev_port"

for i in "${!app_ports[@]}"; do
  name="app$((i + 1))"
  say "starting $name on 127.0.0.1:${app_ports[i]}"
  "$tmp/okta-sample" -addr "127.0.0.1:${app_ports[i]}" > >(sed -u "s/^/[$name] /") 2>&1 &
  started "$name"
  wait_for "$name" port_open "${app_ports[i]}"
done

say "making a self-signed certificate for localhost and 127.0.0.1"
mkdir -m 700 "$tmp/nginx"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -addext extendedKeyUsage=serverAuth \
  -keyout "$tmp/nginx/key.pem" -out "$tmp/nginx/cert.pem" 2>"$tmp/nginx/openssl.log" ||
  die "openssl could not make the certificate: $(cat "$tmp/nginx/openssl.log")"

# Fill in deploy/nginx.conf's placeholders, as deploy.NginxConfig does.
servers=""
for port in "${app_ports[@]}"; do
  servers+="${servers:+$'\n        '}server 127.0.0.1:$port;"
done
conf=$(<deploy/nginx.conf)
conf=${conf//@LISTEN@/127.0.0.1:$https_port}
conf=${conf//@UPSTREAM_SERVERS@/$servers}
conf=${conf//@CERTIFICATE@/$tmp/nginx/cert.pem}
conf=${conf//@CERTIFICATE_KEY@/$tmp/nginx/key.pem}
if grep -o '@[A-Z_]*@' <<<"$conf"; then
  die "deploy/nginx.conf has placeholders that this script does not fill (above)"
fi
printf '%s\n' "$conf" >"$tmp/nginx/nginx.conf"

say "starting nginx on 127.0.0.1:$https_port"
nginx -p "$tmp/nginx/" -c nginx.conf -e stderr -g 'daemon off;' > >(sed -u 's/^/[nginx] /') 2>&1 &
started nginx
wait_for nginx port_open "$https_port"

fingerprint=$(openssl x509 -in "$tmp/nginx/cert.pem" -noout -fingerprint -sha256)
cat <<EOF

Okta Go Sample, ${#app_ports[@]} replicas behind nginx, sessions in Redis
  open:      $public_url/
  replicas:  ${app_ports[*]/#/127.0.0.1:}
  provider:  $OKTA_OAUTH2_ISSUER
  redis:     $OKTA_SAMPLE_REDIS_URL
  nginx log: $tmp/nginx/access.log
The certificate is self-signed: accept it in the browser once.
  $fingerprint
Sign in as alice@example.com / Alice-demo-1 or bob@example.com / Bob-demo-1.
Each request may land on another replica: watch the [appN] prefixes.
Press Ctrl+C to stop everything.

EOF

# Run until ^C, SIGTERM, or until any component exits.
set +e
wait -n "${pids[@]}"
set -e
for i in "${!pids[@]}"; do
  kill -0 "${pids[i]}" 2>/dev/null || die "${names[i]} stopped; stopping the others"
done
