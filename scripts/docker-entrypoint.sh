#!/bin/sh
# Entrypoint of every Baetyl module image: runs the module as the unprivileged user "baetyl".
#
# When the container starts as root (the default; the master does not set a user), the writable mounts under
# /var/db/baetyl and /var/log/baetyl are handed to baetyl first: docker creates missing bind sources as root,
# and the module must be able to write its data and logs there. Read-only mounts are left alone. The user also
# joins the group of the master API socket (/var/run/baetyl.sock, rw-rw----), so that the module can call the
# master. Files on read-only mounts that baetyl cannot read are reported. Then it execs the module, so that
# docker stop's SIGTERM reaches it directly.
set -e
if [ "$(id -u)" = 0 ]; then
  awk '{print $5, $6}' /proc/self/mountinfo | while read -r mnt opts; do
    case "$mnt" in /var/db/baetyl|/var/db/baetyl/*|/var/log/baetyl|/var/log/baetyl/*) ;; *) continue ;; esac
    case ",$opts," in *,rw,*) ;; *) continue ;; esac
    if [ "$(stat -c %u "$mnt")" != "$(id -u baetyl)" ]; then
      chown -R baetyl:baetyl "$mnt" 2>/dev/null || echo "baetyl-entrypoint: cannot chown $mnt" >&2
    fi
  done
  # Read-only mounts (config, certificates) cannot be handed over; say clearly which files baetyl cannot read
  # (typically a root-only TLS key) instead of letting the module fail with a bare "permission denied".
  setpriv --reuid=baetyl --regid=baetyl --clear-groups -- \
    find /etc/baetyl /var/db/baetyl -xdev -type f ! -readable 2>/dev/null | while read -r f; do
      echo "baetyl-entrypoint: $f is not readable by the module's user baetyl (uid $(id -u baetyl)); on the host, make it" \
        "readable for uid $(id -u baetyl), e.g. chgrp $(id -g baetyl) <file> && chmod g+r <file>" >&2
    done
  groups=baetyl
  if [ -S /var/run/baetyl.sock ]; then
    groups="$groups,$(stat -c %g /var/run/baetyl.sock)"
  fi
  # Cameras mapped in with devices: (video-infer's uri "0" is /dev/video0) are usually root:video 0660.
  for dev in /dev/video*; do
    if [ -c "$dev" ]; then groups="$groups,$(stat -c %g "$dev")"; fi
  done
  exec setpriv --reuid=baetyl --regid=baetyl --groups="$groups" --inh-caps=-all -- "$@"
fi
exec "$@"
