#!/usr/bin/env bash
# Installs exactly the Debian packages that truce's build, tests and benchmarks
# need. Idempotent and quiet when everything is present (make deps).
set -eu

# build: compiler, pkg-config and the libraries of DESIGN.md's table;
#        clang-format checks the layout of src/ (make check-src);
#        libcurl is the HTTP client of the CLI's client commands; jemalloc
#        is the release build's allocator (bench/RESULTS.md: glibc's malloc
#        cost a quarter of the ingest path's CPU). librsvg and cairo turn
#        the reports' SVG into PDF and PNG (docs/products.md), in DejaVu;
#        cairo draws the PDF's pages of text itself (fonts-dejavu-core).
# test:  curl and jq drive the integration tests; prove comes with perl.
#        tzdata: the reports' periods are local time (docs/products.md);
#        poppler-utils: pdftotext and pdftoppm read the reports' PDFs.
# bench: PostgreSQL + PostGIS is the peer of issue 2, wrk the HTTP load, openssl
#        the SHA-256 reference speed; libpq-dev lets bench/tbench time PostGIS
#        queries with prepared statements from C, as it times truce's;
#        python3-scipy's least_squares is the peer of the TDOA solver
#        (bench/locate, issue 4); python3-sklearn's DBSCAN is the peer of
#        fusion's association (bench/fusion, issue 4). bench/ledger unpacks
#        nginx itself (apt-get download) rather than install it here:
#        installing it would start a web server on port 80.
# web:   node and npm build the dashboard (web/, docs/dashboard.md); its
#        browser test drives Debian's chromium with playwright-core, which
#        downloads no browser. The npm packages come from the npm registry
#        at web/package-lock.json's versions (npm ci), once.
pkgs=(
	build-essential pkg-config clang-format
	libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
	libcurl4-openssl-dev libproj-dev proj-bin libjemalloc-dev
	librsvg2-dev libcairo2-dev fonts-dejavu-core
	curl jq perl sqlite3 tzdata poppler-utils
	postgresql postgresql-15-postgis-3 wrk openssl libpq-dev
	python3-scipy python3-sklearn
	chromium
)
# Node.js: the machine's own if it has one (Debian's otherwise).
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

web_deps() {
	local web
	web="$(cd "$(dirname "$0")/.." && pwd)/web"
	[ -d "$web/node_modules/playwright-core" ] &&
	    [ "$web/node_modules/.package-lock.json" -nt "$web/package-lock.json" ] &&
	    return 0
	echo "deps: installing the dashboard's npm packages (npm ci)"
	(cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
	touch "$web/node_modules/.package-lock.json"
}

# fuzz:  `make fuzz` (scripts/deps.sh fuzz) alone needs clang with its
#        libFuzzer runtime; the normal test run replays the corpora with the
#        ordinary compiler and does not install it.
[ "${1:-}" = fuzz ] && pkgs+=(clang libclang-rt-dev)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	web_deps
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
web_deps
