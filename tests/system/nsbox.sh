# Sourced by the system tests: a Debian tree booted with systemd as PID 1
# in a container (systemd-nspawn), on machines whose own PID 1 need not be
# systemd (CI here has neither a host systemd nor machined).
#
#   nsbox_start NAME ROOT [systemd-nspawn options...]   boots, waits for
#                        "running" (or "degraded"); fails with nspawn's log
#   nsbox_exec NAME COMMAND [ARGS...]   runs COMMAND as root inside, with a
#                        clean environment; the exit status passes through
#   nsbox_root NAME      prints the host path of the container's / (works
#                        for --ephemeral copies too)
#   nsbox_stop NAME      orderly poweroff, SIGKILL after 30 s, cgroups removed
#
# State (NAME.pid, NAME.leader, NAME.log) is kept in $NSBOX_DIR.
# SPDX-License-Identifier: LGPL-2.1-or-later

# Where nspawn gets a cgroup of its own. nspawn wants one (without a host
# systemd it would make /payload and /supervisor at the root, shared by
# every container); on a host with cgroup v1 controllers plus a v2
# "unified" mount, the name=systemd v1 hierarchy needs one as well.
nsbox_cgroups() {
  if [ -d /sys/fs/cgroup/unified ]; then
    echo /sys/fs/cgroup/unified
    [ -d /sys/fs/cgroup/systemd ] && echo /sys/fs/cgroup/systemd
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo /sys/fs/cgroup
  fi
}

# `ip netns exec` gives its commands a fresh /sys without the cgroup
# mounts; in that private mount namespace, mount the host's hierarchies
# (as PID 1 sees them) again so that nspawn finds them.
nsbox_mount_cgroups() {
  local line path type opts
  mountpoint -q /sys/fs/cgroup && return 0
  grep -q ' /sys/fs/cgroup/[^ ]* .* - cgroup2\? ' /proc/1/mountinfo 2>/dev/null || return 0
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup || return 1
  while read -r line; do
    path=$(echo "$line" | cut -d' ' -f5)
    type=$(echo "$line" | sed 's/.* - //' | cut -d' ' -f1)
    opts=$(echo "$line" | sed 's/.* - //' | cut -d' ' -f3 | sed 's/^rw,\?//')
    mkdir -p "$path"
    mount -t "$type" ${opts:+-o "$opts"} "$type" "$path" || return 1
  done < <(grep ' /sys/fs/cgroup/[^ ]* .* - cgroup2\? ' /proc/1/mountinfo)
}

nsbox_start() {
  local name=$1 root=$2 i leader state
  shift 2
  mkdir -p "$NSBOX_DIR"
  nsbox_mount_cgroups || { echo "cannot mount the cgroup hierarchies" >&2; return 1; }
  for i in $(nsbox_cgroups); do mkdir -p "$i/ns-$name"; done
  # --register=no --keep-unit: no machined, no host manager to ask;
  # pure cgroup v2 inside; bpf() allowed so that IPAddressDeny= and
  # DevicePolicy= of the units inside are enforced
  setsid bash -c 'name=$1; shift; for c in $(nsbox_cgroups); do echo $$ > "$c/ns-$name/cgroup.procs"; done; exec "$@"' \
    nsbox "$name" env SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 \
    systemd-nspawn -D "$root" --machine="$name" --register=no --keep-unit --boot --console=passive \
                   --system-call-filter=bpf "$@" \
    > "$NSBOX_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$NSBOX_DIR/$name.pid"
  # 240 half seconds: an --ephemeral copy of the tree comes first
  for i in $(seq 240); do
    leader=$(ps -o pid= --ppid "$(cat "$NSBOX_DIR/$name.pid")" 2>/dev/null | tr -d ' ' | head -1)
    if [ -n "$leader" ]; then
      state=$(nsenter -t "$leader" -a -- /bin/systemctl is-system-running 2>/dev/null)
      case $state in running|degraded)
        echo "$leader" > "$NSBOX_DIR/$name.leader"
        return 0;;
      esac
    fi
    kill -0 "$(cat "$NSBOX_DIR/$name.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "container $name did not come up (state: ${state:-none}):" >&2
  tail -20 "$NSBOX_DIR/$name.log" >&2
  nsbox_stop "$name"
  return 1
}
export -f nsbox_cgroups

nsbox_exec() {
  local name=$1
  shift
  nsenter -t "$(cat "$NSBOX_DIR/$name.leader")" -a -- \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 "$@"
}

nsbox_root() {
  echo "/proc/$(cat "$NSBOX_DIR/$1.leader")/root"
}

nsbox_stop() {
  local name=$1 pid i c
  pid=$(cat "$NSBOX_DIR/$name.pid" 2>/dev/null)
  nsbox_mount_cgroups
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm")" = systemd-nspawn ]; then
    # nspawn turns SIGTERM into an orderly poweroff of the container
    kill -TERM "$pid"
    for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "container $name did not power off: SIGKILL" >&2
      kill -KILL "$pid"
      sleep 1
    fi
  fi
  for c in $(nsbox_cgroups); do
    [ -d "$c/ns-$name" ] && find "$c/ns-$name" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -f "$NSBOX_DIR/$name.pid" "$NSBOX_DIR/$name.leader"
  return 0
}
