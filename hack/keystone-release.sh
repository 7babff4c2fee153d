# keystone-release.sh - sourced by keystone-up.sh and keystone-down.sh: which Keystone release
# runs where. Zed is the host's Debian 12 package; newer releases come from newer Debian suites,
# each installed once into a chroot (debootstrap) that shares the host's network, so its uWSGI
# listens on 127.0.0.1 like the host's. The state dir is bind-mounted at the same path inside, so
# pid files, logs and keys read the same from either side.
#
# Environment:
#   KEYSTONE_RELEASE   zed | epoxy | latest                                   [zed]
#   KEYSTONE_CHROOTS   where the chroots are kept (outside the repository)   [/var/cache/keystone-go/chroots]

KEYSTONE_RELEASES_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/keystone-releases.tsv"
KEYSTONE_CHROOTS="${KEYSTONE_CHROOTS:-/var/cache/keystone-go/chroots}"

# release_field RELEASE N: column N of RELEASE's line in keystone-releases.tsv (2 series, 3 suite, 4 port,
# 5 version); fails for an unknown release.
release_field() {
  local value
  value=$(awk -F'\t' -v r="$1" -v n="$2" '!/^#/ && $1 == r { print $n; found = 1 } END { exit !found }' \
    "$KEYSTONE_RELEASES_FILE") || return 1
  printf '%s\n' "$value"
}

# select_release: checks KEYSTONE_RELEASE (default zed) and sets default_dir, the release's
# default state dir, for keystone-up.sh and keystone-down.sh.
select_release() {
  KEYSTONE_RELEASE="${KEYSTONE_RELEASE:-zed}"
  release_field "$KEYSTONE_RELEASE" 1 >/dev/null || die "unknown KEYSTONE_RELEASE '$KEYSTONE_RELEASE' (known: $(release_names))"
  default_dir=/tmp/keystone-go
  [[ "$KEYSTONE_RELEASE" == zed ]] || default_dir="/tmp/keystone-go-$KEYSTONE_RELEASE"
}

release_names() { awk -F'\t' '!/^#/ && NF { printf "%s ", $1 }' "$KEYSTONE_RELEASES_FILE"; }

# release_root RELEASE: the chroot of RELEASE, empty for the host's release.
release_root() {
  if [[ "$(release_field "$1" 5)" == host ]]; then echo ""; else echo "$KEYSTONE_CHROOTS/$1"; fi
}

# debian_mirror: the Debian archive the host's apt already uses.
debian_mirror() {
  local uri
  uri=$(grep -hoE '^(URIs:|deb)[[:space:]]+[^ ]*' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# in_chroot ROOT CMD...: CMD inside ROOT with a clean environment.
in_chroot() {
  local root=$1; shift
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
}

# mount_once TYPE-ARGS... TARGET: mount unless TARGET already is a mount point.
mount_once() {
  local target=${*: -1}
  mountpoint -q "$target" || mount "$@"
}

# chroot_mount ROOT STATE_DIR: what a Keystone inside ROOT needs from the host.
chroot_mount() {
  local root=$1 dir=$2
  mkdir -p "$root/proc" "$root/dev" "$root$dir"
  mount_once -t proc proc "$root/proc"
  mount_once --bind /dev "$root/dev"
  mount_once --bind "$dir" "$root$dir"
}

# chroot_umount ROOT [STATE_DIR]: undo chroot_mount (the state dir, then proc and dev once no
# other Keystone runs in ROOT).
chroot_umount() {
  local root=$1 dir=${2:-}
  if [[ -n "$dir" ]] && mountpoint -q "$root$dir"; then umount "$root$dir"; fi
  local other
  other=$(awk -v r="$root/" 'index($2, r) == 1 && $2 != r "proc" && $2 != r "dev" { print $2 }' /proc/mounts)
  [[ -z "$other" ]] || return 0
  mountpoint -q "$root/proc" && umount "$root/proc"
  mountpoint -q "$root/dev" && umount -l "$root/dev"
  return 0
}

# installed_version ROOT: python3-keystone's version in ROOT, empty when absent.
installed_version() {
  in_chroot "$1" dpkg-query -W -f='${Status} ${Version}' python3-keystone 2>/dev/null \
    | awk '$1 == "install" && $3 == "installed" { print $4 }' || true
}

# ensure_chroot RELEASE: the chroot of RELEASE exists with the pinned python3-keystone and what
# serves it. Built once (debootstrap, ~1 min; install, ~2 min), reused afterwards; a pin change
# upgrades the existing chroot. Several callers at once wait for one build.
ensure_chroot() {
  local release=$1 suite version root
  suite=$(release_field "$release" 3) && version=$(release_field "$release" 5) \
    || die "unknown KEYSTONE_RELEASE '$release' (known: $(release_names))"
  root=$(release_root "$release")
  mkdir -p "$KEYSTONE_CHROOTS"
  exec {lockfd}>"$KEYSTONE_CHROOTS/.$release.lock"
  flock "$lockfd"
  if [[ -f "$root/.keystone-go-ready" && "$(installed_version "$root")" == "$version" ]]; then
    exec {lockfd}>&-
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "building the $release chroot ($root) needs root"
  local pkgs=(python3-keystone="$version" uwsgi-core uwsgi-plugin-python3 curl openssl iproute2)
  if [[ ! -x "$root/usr/bin/apt-get" ]]; then
    command -v debootstrap >/dev/null || {
      log "installing debootstrap"
      apt-get install -y -q --no-install-recommends debootstrap >&2 \
        || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends debootstrap >&2; }
    }
    local mirror; mirror=$(debian_mirror)
    log "building the $release chroot: debootstrap $suite from $mirror into $root"
    chroot_umount "$root.new" 2>/dev/null || true
    rm -rf "$root.new"
    debootstrap --variant=minbase "$suite" "$root.new" "$mirror" >"$KEYSTONE_CHROOTS/$release-debootstrap.log" 2>&1 \
      || { tail -n 20 "$KEYSTONE_CHROOTS/$release-debootstrap.log" >&2; die "debootstrap $suite failed (log: $KEYSTONE_CHROOTS/$release-debootstrap.log)"; }
    mv "$root.new" "$root"
  fi
  rm -f "$root/.keystone-go-ready"
  log "installing python3-keystone $version ($release, Debian $suite) into $root"
  # proc for the install; unmounted after only if no Keystone of this chroot had it mounted
  local own_proc=0
  mkdir -p "$root/proc"
  mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc"; own_proc=1; }
  local log_file="$KEYSTONE_CHROOTS/$release-install.log"
  # sid's Release file may be past its Valid-Until on a mirror snapshot: accept it.
  if ! in_chroot "$root" sh -c 'apt-get -q -o Acquire::Check-Valid-Until=false update && apt-get install -y -q --no-install-recommends "$@"' \
      apt "${pkgs[@]}" >"$log_file" 2>&1; then
    local served
    served=$(in_chroot "$root" apt-cache madison python3-keystone 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}')
    ((own_proc)) && umount "$root/proc"
    tail -n 10 "$log_file" >&2
    if [[ -n "$served" && " $served " != *" $version "* ]]; then
      die "python3-keystone $version ($release, pinned in $KEYSTONE_RELEASES_FILE) is no longer served by Debian $suite; it serves: $served— verify and bump the pin"
    fi
    die "installing python3-keystone $version into the $release chroot failed (log: $log_file)"
  fi
  ((own_proc)) && umount "$root/proc"
  [[ "$(installed_version "$root")" == "$version" ]] || die "the $release chroot has python3-keystone $(installed_version "$root"), not $version"
  echo "$version" > "$root/.keystone-go-ready"
  exec {lockfd}>&-
}
