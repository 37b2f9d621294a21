#!/usr/bin/env bash
# The scale-out check: runs deploy/slurm.sbatch, unchanged, on a real one-node Slurm cluster.
#
# It installs slurm-wlm, munge and jq (apt) when they are missing, starts munged, slurmctld and slurmd
# on localhost under a temporary folder (one node with this machine's CPUs and memory, one
# partition), waits until sinfo shows the node idle, then:
#   1. runs the same small evaluation unsharded (babelbench run) as the reference;
#   2. submits deploy/slurm.sbatch as an array of 4 shards and the merge with
#      --dependency=afterok, waits, and checks that the merged results.json metrics and samples
#      are identical to the reference;
#   3. fault: submits the array again into a fresh folder, cancels one shard (scancel) once its
#      response cache holds a batch, checks that a merge submitted while that shard is missing fails
#      with exit 2 and lists the missing unit, resubmits the shard alone (SHARDS=4 --array=I), which
#      resumes from its cache, merges, and checks the results are again identical.
# It stops the daemons it started and removes its temporary folder (KEEP=1 keeps it) however it
# exits, and exits non-zero on any mismatch or timeout.
#
# Run as root on Debian 12 (no systemd needed):
#   BABELBENCH=/path/to/babelbench scripts/slurm-check.sh
# Without BABELBENCH it builds the debug binary (cargo build) and uses
# ${CARGO_TARGET_DIR:-target}/debug/babelbench.
# Other settings: MODEL (default: the default model in the model cache), DATA (default
# $BABELBENCH_DATA, else ../shared/data, else ./data), TASKS, LIMIT, RUN_ARGS, BATCH_SIZE,
# VICTIM (the shard cancelled, default 0), TIMEOUT (seconds per wait, default 1800), KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

die() { echo "slurm-check: FAIL: $*" >&2; exit 1; }
say() { echo "slurm-check: $*" >&2; }

MODEL="${MODEL:-$HOME/.cache/babelbench/models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf}"
if [[ -z "${DATA:-}" ]]; then
    if [[ -n "${BABELBENCH_DATA:-}" ]]; then DATA="$BABELBENCH_DATA"
    elif [[ -d ../shared/data ]]; then DATA="$(cd ../shared/data && pwd)"
    else DATA="$repo/data"; fi
fi
# A few tasks of different kinds: multiple choice, classification, bits per byte, generation.
TASKS="${TASKS:-belebele_eng_Latn,sib200_deu_Latn,bpb_deu_Latn,flores_eng_Latn-deu_Latn}"
LIMIT="${LIMIT:-4}"
RUN_ARGS="${RUN_ARGS:---max-new-tokens 4}"
# One request per batch, so a cancelled shard has part of its work in its cache.
BATCH_SIZE="${BATCH_SIZE:-1}"
TIMEOUT="${TIMEOUT:-1800}"
SHARDS=4
[[ -f "$MODEL" || -d "$MODEL" ]] || die "no model at $MODEL (run scripts/fetch-default-model.sh)"
[[ -d "$DATA" ]] || die "no data root at $DATA (set DATA)"
[[ $(id -u) == 0 ]] || die "run as root (it installs packages and starts the Slurm daemons)"

if [[ -z "${BABELBENCH:-}" ]]; then
    cargo build --quiet
    BABELBENCH="${CARGO_TARGET_DIR:-target}/debug/babelbench"
fi
BABELBENCH="$(realpath "$BABELBENCH")"
[[ -x "$BABELBENCH" ]] || die "no babelbench binary at $BABELBENCH"

missing=()
for cmd in munged slurmctld slurmd sbatch; do command -v "$cmd" >/dev/null 2>&1 || missing=(slurm-wlm munge); done
command -v jq >/dev/null 2>&1 || missing+=(jq)
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

tmp="$(mktemp -d /tmp/slurm-check.XXXXXX)"
pids=()
cleanup() {
    local rc=$?
    set +e
    if [[ -n "${SLURM_CONF:-}" ]] && [[ -f "$SLURM_CONF" ]]; then
        timeout 20 scancel --quiet -u root >/dev/null 2>&1
        for _ in {1..30}; do
            [[ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ]] && break
            sleep 1
        done
    fi
    for f in "$tmp"/slurmd.pid "$tmp"/slurmctld.pid "$tmp"/munged.pid; do
        [[ -s "$f" ]] && kill "$(cat "$f")" 2>/dev/null
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    sleep 2
    for f in "$tmp"/slurmd.pid "$tmp"/slurmctld.pid "$tmp"/munged.pid; do
        [[ -s "$f" ]] && kill -9 "$(cat "$f")" 2>/dev/null
    done
    if [[ "${KEEP:-0}" == 1 ]]; then say "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Binaries: the jobs call `babelbench` and `srun babelbench`.
mkdir -p "$tmp/bin" "$tmp/state" "$tmp/spool" "$tmp/munge" "$tmp/work"
ln -s "$BABELBENCH" "$tmp/bin/babelbench"
export PATH="$tmp/bin:$PATH"

# munge with its own key and socket.
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$tmp/munge"
chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.sock" \
    --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" \
    || die "munged did not start: $(tail -5 "$tmp/munged.log" 2>/dev/null)"

node="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 9 / 10 / 1024))
port="${SLURM_PORT:-16817}"
export SLURM_CONF="$tmp/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=babelcheck
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=3600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=check Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -i -f "$SLURM_CONF" || die "slurmctld did not start: $(tail -5 "$tmp/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" -N "$node" || die "slurmd did not start: $(tail -5 "$tmp/slurmd.log" 2>/dev/null)"
for ((i = 0; ; i++)); do
    state="$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)"
    [[ "$state" == idle ]] && break
    ((i < 60)) || die "node not idle after 60 s (state '${state}'): $(tail -5 "$tmp/slurmd.log")"
    sleep 1
done
say "cluster up: node $node, $cpus CPUs, $mem_mb MB, sinfo: $(sinfo -h -N -o '%N %t %c')"

export MODEL DATA TASKS LIMIT RUN_ARGS BATCH_SIZE
submit=(--chdir="$tmp/work" --cpus-per-task=1 --mem=2G --time=02:00:00)
sbatch_file="$repo/deploy/slurm.sbatch"

# Waits until job $1 has left the queue; prints its final state and exit code.
wait_job() {
    local job="$1" start=$SECONDS
    while [[ -n "$(squeue -h -j "$job" -o %i 2>/dev/null)" ]]; do
        ((SECONDS - start < TIMEOUT)) || die "job $job still queued after $TIMEOUT s: $(squeue -h -j "$job")"
        sleep 2
    done
}
job_field() { scontrol -o show job "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}' | head -1; }

# Compares run folder $2 with the reference $1: results.json metrics and the samples.
compare() {
    local a="$1" b="$2" f
    for f in results.json samples.jsonl; do
        [[ -f "$a/$f" && -f "$b/$f" ]] || die "missing $f in $a or $b"
    done
    diff <(jq -S '{results, groups, "n-samples", versions, configs}' "$a/results.json") \
        <(jq -S '{results, groups, "n-samples", versions, configs}' "$b/results.json") \
        || die "results.json of $b differs from $a"
    cmp "$a/samples.jsonl" "$b/samples.jsonl" || die "samples.jsonl of $b differs from $a"
    say "identical to the unsharded run: results.json metrics ($(jq '[.results[] | keys[]] | length' "$b/results.json") values over $(jq '.results | length' "$b/results.json") tasks) and samples.jsonl ($(wc -l <"$b/samples.jsonl") samples)"
}

# 1. The unsharded reference run, the same options as the sbatch's.
ref="$tmp/unsharded"
read -r -a extra <<<"$RUN_ARGS"
t0=$SECONDS
nice -n 10 babelbench run --model "$MODEL" --tasks "$TASKS" --data-dir "$DATA" \
    --batch-size "$BATCH_SIZE" --limit "$LIMIT" "${extra[@]}" --quiet --output "$ref" \
    || die "unsharded run failed"
t_ref=$((SECONDS - t0))
say "unsharded run: ${t_ref} s"

# 2. The array of 4 shards and the merge.
export RUN_ROOT="$tmp/runs"
t0=$SECONDS
jid="$(nice -n 10 sbatch --parsable "${submit[@]}" --array=0-$((SHARDS - 1)) "$sbatch_file")"
mid="$(sbatch --parsable "${submit[@]}" --dependency=afterok:"$jid" "$sbatch_file" merge "$SHARDS")"
say "submitted array $jid and merge $mid"
wait_job "$jid"
wait_job "$mid"
t_array=$((SECONDS - t0))
[[ "$(job_field "$mid" JobState)" == COMPLETED ]] \
    || die "merge job $mid: $(job_field "$mid" JobState) $(job_field "$mid" Reason); log: $(tail -5 "$tmp"/work/babelbench-"$mid"_*.log)"
say "4-shard array + merge: ${t_array} s (unsharded: ${t_ref} s) on $cpus CPUs"
compare "$ref" "$RUN_ROOT/merged"

# 3. Fault: cancel one shard mid-run, merge while it is missing, resubmit it, merge.
export RUN_ROOT="$tmp/runs-fault"
# Shard 0 holds the first task in name order (belebele_eng_Latn: 4 requests with --limit 1).
victim="${VICTIM:-0}"
jid="$(nice -n 10 sbatch --parsable "${submit[@]}" --array=0-$((SHARDS - 1)) "$sbatch_file")"
cache="$RUN_ROOT/shard-$victim-of-$SHARDS/responses.cache"
start=$SECONDS
# The cache starts with a one-line header; wait until it holds more, i.e. a first record. The
# victim has 4 x LIMIT requests at one per batch, a few seconds of work, so polling every 0.2 s
# cancels it well before it ends.
until [[ -s "$cache" ]] && (($(wc -c <"$cache") > $(head -1 "$cache" | wc -c))); do
    ((SECONDS - start < TIMEOUT)) || die "shard $victim wrote no cache record in $TIMEOUT s"
    [[ -n "$(squeue -h -j "${jid}_$victim" -o %i 2>/dev/null)" ]] || die "shard $victim ended before it could be cancelled"
    sleep 0.2
done
scancel "${jid}_$victim"
say "cancelled shard $victim (${jid}_$victim) with $(wc -c <"$cache") bytes in its cache"
wait_job "$jid"
[[ "$(job_field "${jid}_$victim" JobState)" == CANCELLED ]] || die "shard $victim is $(job_field "${jid}_$victim" JobState), not CANCELLED"
cached_before="$(wc -c <"$cache")"

mid="$(sbatch --parsable "${submit[@]}" "$sbatch_file" merge "$SHARDS")"
wait_job "$mid"
code="$(job_field "$mid" ExitCode)"
log="$(echo "$tmp"/work/babelbench-"$mid"_*.log)"
[[ "$code" == 2:0 ]] || die "merge with shard $victim missing: exit code $code, not 2; log: $(tail -5 "$log")"
say "merge with shard $victim missing: exit code 2, it said:"
sed 's/^/    /' "$log" >&2
grep -q "$(jq -r '.assigned[0]' "$RUN_ROOT/shard-$victim-of-$SHARDS/plan.json" | cut -d: -f1)" "$log" \
    || die "the failed merge's message does not name shard $victim's unit"

rid="$(SHARDS=$SHARDS nice -n 10 sbatch --parsable "${submit[@]}" --array="$victim" "$sbatch_file")"
mid="$(sbatch --parsable "${submit[@]}" --dependency=afterok:"$rid" "$sbatch_file" merge "$SHARDS")"
wait_job "$rid"
wait_job "$mid"
[[ "$(job_field "$mid" JobState)" == COMPLETED ]] || die "merge after the resubmission: $(job_field "$mid" JobState)"
say "resubmitted shard $victim resumed from $cached_before cached bytes (cache now $(wc -c <"$cache") bytes)"
compare "$ref" "$RUN_ROOT/merged"
say "PASS"
