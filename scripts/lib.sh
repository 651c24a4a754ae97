# Shared helpers for the test scripts (sourced, not run).
CTT_LAYERS_PASSED=()

# layer NAME SCRIPT: runs one layer's test script, timing it.
layer() {
  local name=$1 script=$2 start=$SECONDS
  echo
  echo "=== ${name} ==="
  bash "$script"
  CTT_LAYERS_PASSED+=("${name} ($((SECONDS - start)) s)")
}

summary() {
  echo
  echo "=== all layers passed ==="
  printf '  %s\n' "${CTT_LAYERS_PASSED[@]}"
  # A plain closing line for tools that read the last runner line (each layer's own runners
  # print their test counts above).
  echo "layers: ${#CTT_LAYERS_PASSED[@]} passed, 0 failed"
}

# need_cmd CMD DEBIAN_PACKAGE: installs the package when the command is missing.
need_cmd() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing $2 (for $1)"
  if [ -z "${CTT_APT_UPDATED:-}" ]; then apt-get update -qq; export CTT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
