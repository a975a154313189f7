/**
 * A real single-node Slurm cluster on localhost for the tests (the recipe of
 * ../shared/TOOLCHAIN.md, "Slurm on one machine"): munged (started if not running),
 * slurmctld and slurmd with a slurm.conf in a temp folder, on ports of their own so that
 * another Slurm on the machine is left alone. Client commands find it through SLURM_CONF
 * in `env`. Needs root and Debian's slurm-wlm and munge.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface SlurmCluster {
  /** The temp folder: slurm.conf, state, spool, pid and log files. */
  dir: string;
  /** process.env plus SLURM_CONF: give it to every Slurm client command. */
  env: NodeJS.ProcessEnv;
  /** Stops slurmd and slurmctld (and munged if this helper started it), by their pid files; removes the folder. */
  stop(): Promise<void>;
}

/**
 * Seconds a requeued batch job waits before it may start again: slurm.conf's
 * AuthInfo=cred_expire (the job credential's lifetime, 120 s by default).
 */
export const REQUEUE_WAIT_SECONDS = 5;

const onPath = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;

/** Why a cluster cannot be started here, or undefined when it can. */
export function slurmClusterMissing(): string | undefined {
  const absent = ["slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "munged", "munge"].filter((c) => !onPath(c) && !fs.existsSync(`/usr/sbin/${c}`));
  if (absent.length) return `Slurm/munge not installed (missing ${absent.join(", ")}): apt-get install slurm-wlm munge (.ci/run does)`;
  if (process.getuid?.() !== 0) return "a local Slurm cluster needs root (slurmd, SlurmUser=root)";
  if (!fs.existsSync("/etc/munge/munge.key")) return "no munge key at /etc/munge/munge.key (the munge package creates it)";
  return undefined;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const mungeWorks = () => spawnSync("sh", ["-c", "munge -n | unmunge"], { encoding: "utf8" }).status === 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopByPidFile(file: string): Promise<void> {
  const pid = readPid(file);
  if (pid === null || !alive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * Starts the cluster and waits (up to 30 s) for its node to be idle.
 * @param cpus the node's CPUs (tasks of --cpus-per-task=1 run that many at once).
 */
export async function startSlurmCluster(cpus = 2): Promise<SlurmCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-cluster-"));
  for (const sub of ["state", "spool"]) fs.mkdirSync(path.join(dir, sub));
  let startedMunge = false;
  if (!mungeWorks()) {
    fs.mkdirSync("/run/munge", { recursive: true });
    execFileSync("chown", ["-R", "munge:munge", "/run/munge", "/var/log/munge", "/var/lib/munge"]);
    execFileSync("runuser", ["-u", "munge", "--", "munged", "--force"]);
    startedMunge = true;
    if (!mungeWorks()) throw new Error("munged started but `munge -n | unmunge` fails");
  }
  const host = os.hostname().split(".")[0];
  const conf = [
    `ClusterName=test${process.pid}`,
    `SlurmctldHost=${host}`,
    `SlurmctldPort=${await freePort()}`,
    `SlurmdPort=${await freePort()}`,
    "SlurmUser=root",
    "SlurmdUser=root",
    `AuthInfo=cred_expire=${REQUEUE_WAIT_SECONDS}`,
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd.log`,
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    "ReturnToService=2",
    "SchedulerType=sched/backfill",
    "MpiDefault=none",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    `NodeName=${host} CPUs=${cpus} State=UNKNOWN`,
    `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
    "",
  ].join("\n");
  const confFile = path.join(dir, "slurm.conf");
  fs.writeFileSync(confFile, conf);
  const env = { ...process.env, SLURM_CONF: confFile };
  const stopDaemons = async () => {
    await stopByPidFile(path.join(dir, "slurmd.pid"));
    await stopByPidFile(path.join(dir, "slurmctld.pid"));
    if (startedMunge) await stopByPidFile("/run/munge/munged.pid");
  };
  const stop = async () => {
    await stopDaemons();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Both daemonize; -i: ignore state files of an earlier cluster (the folder is new anyway).
    execFileSync("slurmctld", ["-i"], { env });
    execFileSync("slurmd", [], { env });
    for (let i = 0; ; i++) {
      const state = spawnSync("sinfo", ["--noheader", "--format=%T"], { env, encoding: "utf8" }).stdout?.trim();
      if (state === "idle") break;
      if (i >= 300) throw new Error(`the local Slurm node is not idle after 30 s (sinfo: ${state}); logs in ${dir}`);
      await sleep(100);
    }
  } catch (err) {
    await stopDaemons(); // the folder stays: its logs say why
    throw err;
  }
  return { dir, env, stop };
}
