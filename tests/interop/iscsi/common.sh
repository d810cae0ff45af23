# Shared by the interop scripts in this folder (sourced, not run).

# A TCP port on 127.0.0.1 nobody listens on right now.
xg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# xg_wait_port PORT SECONDS: 0 once something accepts on 127.0.0.1:PORT, 1 on timeout.
xg_wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# xg_stop_pid PID SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL. Only the given PID.
xg_stop_pid() {
  local pid=$1 deadline=$((SECONDS + $2))
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "pid $pid did not stop within ${2}s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
    return 1
  fi
  return 0
}

# xg_wait_server PID PORT SECONDS: 0 once 127.0.0.1:PORT accepts; 1 as soon as PID has
# exited (no point waiting for a server that is gone) or on timeout.
xg_wait_server() {
  local pid=$1 port=$2 deadline=$((SECONDS + $3))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}
