# shellcheck shell=bash
# Boot a throw-away systemd (the host's own /usr, a tmpfs for everything else) in
# systemd-nspawn and run commands inside it.  Meant to be `source`d, as root.
#
#   source Tests/System/container.sh
#   container_start wpd --bind-ro=/work/main/.build/debug:/srv/build
#   container_exec systemctl is-system-running
#   container_stop
#
# Why it looks like this (the machine has no systemd as PID 1, no system D-Bus,
# /run is on the root disk, cgroups are the hybrid v1 + v2 layout):
#   --register=no --keep-unit  without them nspawn asks the host's systemd/machined over
#                   the system bus and dies with "Failed to open system bus: No such file
#                   or directory"; that, not the missing /run/systemd/inaccessible nodes,
#                   is what kills the container.
#   own cgroup      with --keep-unit nspawn puts the container under the cgroup it runs in
#                   (".../payload", ".../supervisor"); each container gets a cgroup of its
#                   own (nspawn-NAME) so that two containers never share one and a stop can
#                   kill and remove every cgroup left behind.
#   --volatile=yes  / is a fresh tmpfs, only the host's /usr is bound (read-only): /etc,
#                   /var, /run start (nearly) empty, are writable and are discarded at the
#                   end, so units can be dropped into /etc/systemd/system (then
#                   `systemctl daemon-reload`).  systemd fills /etc at boot from presets
#                   and /usr/lib/sysusers.d; a service user must be made with
#                   systemd-sysusers (mkdir -p /etc/sysusers.d first).  /opt is not there,
#                   so /opt/swift (the Swift runtime: the binaries' RUNPATH) is bound
#                   read-only.  (--volatile=overlay is refused for -D /; --volatile=state
#                   leaves /etc read-only.)
#   --private-network  the container sees only its own loopback; nothing it starts can
#                   collide with a port of the host or of another container.
#   /usr            is the host's, read-only: to put a binary where a unit expects it
#                   (/usr/sbin/webprofiled) pass --overlay=/usr::/usr (a throw-away tmpfs-like
#                   upper layer nspawn removes at exit) and install it from a bind mount:
#                     container_start wpd --overlay=/usr::/usr --bind-ro=$PWD/.build/debug:/srv/build
#                     container_exec install -m755 /srv/build/webprofiled /usr/sbin/
#                   (--bind-ro=FILE:/usr/sbin/x fails: no mount point in a read-only /usr.)
#   "Attempted to remove disk file system under /run/systemd/nspawn/propagate/NAME" is
#                   printed at exit because /run here is not a tmpfs; it is harmless and
#                   container_stop removes that directory itself.
#
# Settings (environment, all optional):
#   CONTAINER_BOOT_TIMEOUT  seconds to wait for the boot (60)
#   CONTAINER_STOP_TIMEOUT  seconds to wait for a clean poweroff before killing (30)
#   CONTAINER_LOG_DIR       where nspawn's output (the container's console) goes, as
#                           container-NAME.log (${TMPDIR:-/tmp}); kept after the stop
#   CONTAINER_NETWORK       "private" (default) or "host" (share the host's network)
#   CONTAINER_CGROUP        "unified" (default: the container gets a pure cgroup2
#                           /sys/fs/cgroup, like a Debian 12 host) or "hybrid" (nspawn's
#                           default on this host: v1 controllers + cgroup2 at .../unified)
#
# Exported by container_start: WPC_NAME, WPC_PID (the container's systemd as
# seen from the host), WPC_NSPAWN_PID, WPC_LOG (the console log's path). (Not CONTAINER_*:
# container runtimes set CONTAINER_NAME in the environment.)

# nsenter ... --target PID, then the command: all namespaces, the container's root, /
# as working directory, and a clean environment (nothing of the caller's, e.g. a
# SYSTEMD_LOG_LEVEL, leaks in).
_container_nsenter=(nsenter --all --root --wd --target)
_container_env=(-- /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0)

_container_log() { printf 'container: %s\n' "$*" >&2; }

# Is PID a live process (not a zombie)?
_container_alive() {
    local st
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

# The cgroup directories nspawn runs in: one per mounted hierarchy that carries the
# systemd controller (the cgroup2 one and, on a hybrid host, name=systemd).
_container_cgroups() {
    local name=$1 line hier path mnt
    while IFS= read -r line; do
        hier=${line#*:}; hier=${hier%%:*}; path=${line#*:*:}
        case $hier in
            "")            mnt=$(findmnt -nro TARGET -t cgroup2 | head -n1) ;;
            name=systemd)  mnt=$(findmnt -nro TARGET,OPTIONS -t cgroup | awk '$2 ~ /name=systemd/ {print $1; exit}') ;;
            *)             continue ;;
        esac
        [ -n "$mnt" ] || continue
        path=${path%/}
        # If we are ourselves inside one of our own containers' cgroups (a leftover shell?),
        # do not nest: go to its parent.
        case $path in */nspawn-*) path=${path%/nspawn-*} ;; esac
        printf '%s\n' "$mnt$path/nspawn-$name"
    done </proc/self/cgroup
}

# Kill whatever still runs in a container's cgroups and remove them (innermost first).
_container_cgroup_cleanup() {
    local name=$1 cg pid try
    for cg in $(_container_cgroups "$name"); do
        [ -d "$cg" ] || continue
        [ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill" 2>/dev/null
        for ((try = 0; try < 50; try++)); do
            # cgroup v1 has no cgroup.kill: kill what is listed, depth first.
            while IFS= read -r pid; do
                kill -KILL "$pid" 2>/dev/null
            done < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
            find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
            [ -d "$cg" ] || break
            sleep 0.1
        done
        [ -d "$cg" ] && _container_log "could not remove cgroup $cg"
    done
    return 0
}

# Things a host booted with systemd has.  Idempotent.
_container_prepare_host() {
    local d=/run/systemd/inaccessible
    mkdir -p /run/systemd/nspawn/propagate "$d"
    # Not required: nspawn 252 boots without them (it looks for them inside the new
    # container, fails to mask /proc/kcore & co there and only logs that at debug level).
    # Made anyway, as a systemd host has them.
    [ -e "$d/reg" ] || { : >"$d/reg" && chmod 0000 "$d/reg"; }
    [ -e "$d/dir" ] || mkdir -m 0000 "$d/dir"
    [ -e "$d/fifo" ] || mkfifo -m 0000 "$d/fifo"
    [ -e "$d/chr" ] || mknod -m 0000 "$d/chr" c 0 0
    [ -e "$d/blk" ] || mknod -m 0000 "$d/blk" b 0 0
    return 0
}

# The container's PID 1, as seen from the host: the process in the container's cgroups
# whose pid in its own (innermost) pid namespace is 1.
_container_find_init() {
    local name=$1 cg pid nspid
    for cg in $(_container_cgroups "$name"); do
        [ -d "$cg/payload" ] || continue
        while IFS= read -r pid; do
            # "NSpid: <host pid> ... 1" for a pid namespace's init.
            nspid=$(awk '/^NSpid:/ {if (NF > 2) print $NF}' "/proc/$pid/status" 2>/dev/null)
            if [ "$nspid" = 1 ]; then printf '%s\n' "$pid"; return 0; fi
        done < <(find "$cg/payload" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done
    return 1
}

# Fill WPC_PID / WPC_NSPAWN_PID for WPC_NAME when they are unset or
# stale (e.g. in another shell than the one that ran container_start: export
# WPC_NAME and source this file there).  Fails if that container's init is not running.
_container_resolve() {
    local name=${WPC_NAME:-} cg pid
    [ -n "$name" ] || return 1
    if ! _container_alive "${WPC_PID:-}" || ! grep -q "/nspawn-$name/" "/proc/$WPC_PID/cgroup" 2>/dev/null; then
        WPC_PID=$(_container_find_init "$name") || WPC_PID=
    fi
    if ! _container_alive "${WPC_NSPAWN_PID:-}"; then
        WPC_NSPAWN_PID=
        for cg in $(_container_cgroups "$name"); do
            pid=$(head -n1 "$cg/supervisor/cgroup.procs" 2>/dev/null)
            [ -n "$pid" ] && { WPC_NSPAWN_PID=$pid; break; }
        done
    fi
    export WPC_NAME WPC_PID WPC_NSPAWN_PID
    _container_alive "$WPC_PID"
}

container_start() {
    if [ $# -lt 1 ]; then
        echo "usage: container_start NAME [extra systemd-nspawn args...]" >&2; return 2
    fi
    local name=$1; shift
    if ! [[ $name =~ ^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}$ ]]; then
        _container_log "bad container name '$name' (letters, digits, '-')"; return 2
    fi
    if [ "$(id -u)" != 0 ]; then _container_log "must run as root"; return 1; fi
    local tool
    for tool in systemd-nspawn nsenter findmnt; do
        command -v "$tool" >/dev/null || { _container_log "$tool not found (apt-get install systemd-container util-linux)"; return 1; }
    done
    if [ -n "${WPC_NAME:-}" ] && _container_resolve; then
        _container_log "container '$WPC_NAME' is already running (pid $WPC_PID); container_stop first"; return 1
    fi

    local boot_timeout=${CONTAINER_BOOT_TIMEOUT:-60}
    local log=${CONTAINER_LOG_DIR:-${TMPDIR:-/tmp}}/container-$name.log
    local net=(--private-network)
    [ "${CONTAINER_NETWORK:-private}" = host ] && net=()
    local unified=1
    [ "${CONTAINER_CGROUP:-unified}" = hybrid ] && unified=0

    _container_prepare_host
    # A container of the same name left over by an earlier run that died: kill it.
    _container_cgroup_cleanup "$name"
    rm -rf "/run/systemd/nspawn/propagate/$name"

    local cgs=() cg
    mapfile -t cgs < <(_container_cgroups "$name")
    if [ ${#cgs[@]} -eq 0 ]; then _container_log "no cgroup hierarchy with the systemd controller found"; return 1; fi
    for cg in "${cgs[@]}"; do mkdir -p "$cg" || return 1; done

    mkdir -p "${log%/*}" && : >"$log" || return 1
    local start=$SECONDS
    # The helper shell moves itself into the container's cgroups and execs nspawn, so
    # that $! is nspawn's pid.
    bash -c '
        n=$1; shift
        for ((i = 0; i < n; i++)); do echo $$ >"$1/cgroup.procs" || exit 1; shift; done
        exec "$@"
    ' container-start "${#cgs[@]}" "${cgs[@]}" \
        env SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="$unified" systemd-nspawn \
            --directory=/ \
            --machine="$name" \
            --volatile=yes \
            --register=no \
            --keep-unit \
            --console=read-only \
            --link-journal=no \
            "${net[@]}" \
            --bind-ro=/opt/swift \
            "$@" \
            --boot \
            -- systemd.firstboot=off systemd.unit=multi-user.target \
        </dev/null >>"$log" 2>&1 &
    WPC_NSPAWN_PID=$!
    WPC_NAME=$name
    WPC_LOG=$log
    WPC_PID=
    export WPC_NAME WPC_LOG WPC_NSPAWN_PID WPC_PID

    local state="" deadline=$((SECONDS + boot_timeout))
    while :; do
        if ! _container_alive "$WPC_NSPAWN_PID"; then
            _container_log "systemd-nspawn exited during boot; last lines of $log:"
            tail -n 40 "$log" >&2
            container_stop "$name" >/dev/null 2>&1
            return 1
        fi
        if [ -z "$WPC_PID" ]; then
            WPC_PID=$(_container_find_init "$name") || WPC_PID=
            export WPC_PID
        fi
        if [ -n "$WPC_PID" ]; then
            state=$(timeout 10 "${_container_nsenter[@]}" "$WPC_PID" "${_container_env[@]}" \
                        systemctl is-system-running 2>/dev/null) || true  # non-zero while starting
            case $state in
                running|degraded) break ;;
            esac
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            _container_log "container '$name' did not finish booting in ${boot_timeout}s (state: '${state:-unknown}'); last lines of $log:"
            tail -n 40 "$log" >&2
            [ -n "$WPC_PID" ] && timeout 10 "${_container_nsenter[@]}" "$WPC_PID" \
                "${_container_env[@]}" systemctl list-jobs --no-pager >&2
            container_stop "$name" >/dev/null 2>&1
            return 1
        fi
        sleep 0.2
    done
    if [ "$state" = degraded ]; then
        _container_log "container '$name' is degraded; failed units:"
        container_exec systemctl --failed --no-pager --no-legend >&2
    fi
    _container_log "container '$name' is $state after $((SECONDS - start))s (init pid $WPC_PID, log $log)"
    return 0
}

# container_exec CMD [ARGS...]: run CMD in all of the container's namespaces, with a clean
# environment, from /.  Exit status, stdout and stderr are CMD's.
container_exec() {
    if [ $# -lt 1 ]; then echo "usage: container_exec CMD [ARGS...]" >&2; return 2; fi
    _container_resolve || { _container_log "no running container (container_start first)"; return 125; }
    "${_container_nsenter[@]}" "$WPC_PID" "${_container_env[@]}" "$@"
}

# container_stop [NAME]: power the container off (cleanly if it can within
# CONTAINER_STOP_TIMEOUT seconds, else kill it), wait for it, remove what it left.
# shellcheck disable=SC2120  # NAME is optional
container_stop() {
    [ -n "${1:-}" ] && [ "$1" != "${WPC_NAME:-}" ] && { WPC_NAME=$1; WPC_PID=; WPC_NSPAWN_PID=; }
    _container_resolve
    local name=${WPC_NAME:-} nspawn=${WPC_NSPAWN_PID:-} init=${WPC_PID:-}
    local stop_timeout=${CONTAINER_STOP_TIMEOUT:-30} deadline
    if [ -z "$name" ]; then return 0; fi
    if _container_alive "$nspawn"; then
        # SIGRTMIN+4 to the container's systemd = "systemctl poweroff"; SIGTERM to nspawn
        # does the same (halt) if the init pid is not known yet.
        if _container_alive "$init"; then
            kill -s RTMIN+4 "$init" 2>/dev/null
        else
            kill -TERM "$nspawn" 2>/dev/null
        fi
        deadline=$((SECONDS + stop_timeout))
        while _container_alive "$nspawn" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
        if _container_alive "$nspawn"; then
            _container_log "container '$name' did not power off in ${stop_timeout}s; killing it"
            # Killing the init of a pid namespace kills everything in it.
            [ -n "$init" ] && kill -KILL "$init" 2>/dev/null
            sleep 1
            kill -KILL "$nspawn" 2>/dev/null
        fi
    fi
    # Reap nspawn if it is our child; otherwise wait for it to go.
    [ -n "$nspawn" ] && wait "$nspawn" 2>/dev/null
    if [ -n "$nspawn" ]; then
        deadline=$((SECONDS + 10))
        while _container_alive "$nspawn" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    fi
    _container_cgroup_cleanup "$name"
    rm -rf "/run/systemd/nspawn/propagate/$name"
    unset WPC_PID WPC_NSPAWN_PID WPC_NAME
    return 0
}
