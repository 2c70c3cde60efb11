#!/usr/bin/env bash
# Installs everything the tests need on a Debian machine, then runs them:
#   Debian: chromium + chromium-driver (browser tests), wrk (the bench smoke run), postgresql (a real server is
#   started by the tests), python3-venv; Python: a .venv with the `test` and `demo` extras.
# Extra arguments go to pytest (e.g. `tests/run.sh -k store -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # the benchmark smoke run (tests/test_bench_smoke.py)
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "tests/run.sh: installing Debian packages: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# The pinned versions the image ships (constraints.txt), so the tests run what is deployed and a
# newer release on PyPI does not change what CI tests (the test extras are not pinned there).
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,demo]" -c constraints.txt

# Chromium leaves a temp folder per launch: keep them in one scratch place.
export TMPDIR="${TMPDIR:-$(mktemp -d -t qcportal-tests-XXXX)}"
exec .venv/bin/python -m pytest "$@"
