#!/usr/bin/env bash
# Two hosts simulated on one machine: network namespaces asr-h1 and asr-h2
# joined by a veth pair (10.77.0.1 and 10.77.0.2, nothing else reachable).
# mpirun runs in asr-h1 and starts one rank on each "host" over TCP, its ssh
# replaced by `ip netns exec` (the plm_rsh_agent below); one epoch of the recipe
# (debug: 28 steps) trains with 2 ranks, then in one process, and the weights
# are compared. (One epoch: Adam amplifies the float32 rounding differences of
# another summation order roughly tenfold per 10 steps once the gradients get
# small — 2e-6 after 28 steps of the debug recipe, 4e-4 after 56, 1e-2 after 84.)
#
#   sudo scripts/mpi_two_hosts.sh [RECIPE=recipes/debug.json]   (make mpi-hosts)
#
# Needs root (namespaces), openmpi-bin and iproute2; the recipe's data
# (make debug-data for the debug recipe). Prints the largest weight difference;
# exits 1 when it is above 1e-4 (float32 summation order is the only difference).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
recipe=${1:-recipes/debug.json}
asr=${ASR:-$root/.build/release/asr}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces): sudo $0" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "needs mpirun: make deps (openmpi-bin)" >&2; exit 1; }
[ -x "$asr" ] || { echo "build first: make build" >&2; exit 1; }
work=$(mktemp -d /tmp/asr-hosts-XXXXXX)
cleanup() {
  ip netns del asr-h1 2>/dev/null || true
  ip netns del asr-h2 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup; work=$(mktemp -d /tmp/asr-hosts-XXXXXX)

ip netns add asr-h1
ip netns add asr-h2
ip link add veth-h1 type veth peer name veth-h2
ip link set veth-h1 netns asr-h1
ip link set veth-h2 netns asr-h2
ip -n asr-h1 addr add 10.77.0.1/24 dev veth-h1
ip -n asr-h2 addr add 10.77.0.2/24 dev veth-h2
for n in 1 2; do ip -n asr-h$n link set lo up; ip -n asr-h$n link set veth-h$n up; done
# (no ping on minimal systems: mpirun itself fails clearly when the hosts cannot connect)

# The "ssh" of these hosts: run the command in the namespace that owns the address.
cat > "$work/netns-rsh" <<'EOF'
#!/bin/sh
host=$1; shift
case "$host" in
  10.77.0.1) ns=asr-h1 ;;
  10.77.0.2) ns=asr-h2 ;;
  *) echo "netns-rsh: unknown host $host" >&2; exit 255 ;;
esac
echo "$host" >> "$(dirname "$0")/launched"
exec ip netns exec "$ns" sh -c "$*"
EOF
chmod +x "$work/netns-rsh"
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$work/hosts"

out="$work/exp"
echo "== 2 ranks on 2 hosts (10.77.0.1, 10.77.0.2) over TCP"
ip netns exec asr-h1 mpirun --allow-run-as-root --hostfile "$work/hosts" -np 2 --map-by node \
  --mca plm_rsh_agent "$work/netns-rsh" --mca btl tcp,self \
  --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
  -x PATH \
  "$asr" train "$recipe" --epochs 1 --threads 1 --set name='"hosts2"' --set output.dir="\"$out\"" | tail -2
echo "ranks started through the netns agent on: $(sort -u "$work/launched" | tr '\n' ' ')(10.77.0.1 is mpirun's own)"
echo "== 1 process"
"$asr" train "$recipe" --epochs 1 --threads 1 --set name='"hosts1"' --set output.dir="\"$out\"" | tail -2
python3 - "$out/hosts1/model.safetensors" "$out/hosts2/model.safetensors" <<'PY'
import array, json, struct, sys
def load(p):
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        a = array.array("f")
        a.frombytes(b[8 + n + s:8 + n + e])
        out[k] = a
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
worst = max(abs(x - y) for k in a for x, y in zip(a[k], b[k]))
count = sum(len(v) for v in a.values())
print(f"{count} weights; largest difference between 1 process and 2 hosts: {worst:.3g}")
sys.exit(0 if worst < 1e-4 else 1)
PY
