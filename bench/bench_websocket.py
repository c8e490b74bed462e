"""WebSocket transport throughput: complete runs per wall second over loopback (design §7).

Budget: at least 1,000 runs per second. Each row starts a fresh server
(`python -m leakbench.gateway_sim serve`), opens N client connections
(`harness.drivers.websocket_load`,
the harness's own load generator) and completes `--runs` normal runs of 40 chunks, as fast as
they go: arrivals are not paced, at most `--in-flight` runs stream at once. A server that
falls behind feeds a run's overdue chunks back to back and the gateway's 150 ms throttle merges
them, so the frames per run, and the cost, drop as the load rises. The server and the
clients are two processes, so the figure needs two cores; the CPU columns say which side is
the bottleneck, and "CPU-bound" (runs per CPU second of the busier side) is what the pair
reaches with a core each, also on a machine busy with other work.

    python bench/bench_websocket.py [--runs 5000] [--clients 1,4,8,16] [--in-flight 32]
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys
import time
from dataclasses import dataclass

import psutil

from leakbench.gateway_sim.server.spawn import spawn_server
from leakbench.gateway_sim.workload import Workload
from leakbench.harness.drivers.websocket_load import WebSocketLoad

UNPACED = 1e9
"""Arrivals per gateway second: effectively all at once, so only `in_flight` limits them."""


@dataclass
class Row:
    clients: int
    runs: int
    wall_s: float
    server_cpu_s: float
    client_cpu_s: float

    @property
    def runs_per_s(self) -> float:
        return self.runs / self.wall_s

    @property
    def capacity(self) -> float:
        """Runs per CPU second of the busier side: the rate with a core each, uncontended."""
        return self.runs / max(self.server_cpu_s, self.client_cpu_s)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


async def drive(url: str, server: psutil.Process, args: argparse.Namespace, clients: int) -> Row:
    workload = Workload(runs=args.runs, rate=UNPACED, concurrency=args.in_flight, chunks=(40, 40))
    load = WebSocketLoad(url, workload, args.seed, clients=clients, speedup=args.speedup)
    await load.open()
    me = psutil.Process()
    server_cpu, client_cpu = cpu_seconds(server), cpu_seconds(me)
    started = time.perf_counter()
    await load.run_until(args.runs)
    await load.settle_all()
    wall = time.perf_counter() - started
    row = Row(
        clients,
        load.runs_done,
        wall,
        cpu_seconds(server) - server_cpu,
        cpu_seconds(me) - client_cpu,
    )
    await load.close()
    return row


def measure(args: argparse.Namespace, clients: int) -> Row:
    process, url = spawn_server(["--policy", args.policy, "--speedup", str(args.speedup)])
    try:
        return asyncio.run(drive(url, psutil.Process(process.pid), args, clients))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--clients", default="1,4,8,16", help="Comma-separated client counts.")
    parser.add_argument("--in-flight", type=int, default=32, help="Runs streaming at once.")
    parser.add_argument("--speedup", type=float, default=1000.0)
    parser.add_argument("--policy", default="fixed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("command:", shlex.join(["python", *sys.argv]))
    print(
        f"python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs, {args.runs:,} normal "
        f"runs of 40 chunks per row, {args.in_flight} in flight, speedup {args.speedup:g}, "
        f"policy {args.policy}\n"
    )
    print("| clients | runs/s | CPU-bound runs/s | wall s | server CPU s | client CPU s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for clients in (int(text) for text in args.clients.split(",")):
        row = measure(args, clients)
        print(
            f"| {row.clients} | {row.runs_per_s:,.0f} | {row.capacity:,.0f} | {row.wall_s:.2f} | "
            f"{row.server_cpu_s:.2f} | {row.client_cpu_s:.2f} |"
        )


if __name__ == "__main__":
    main()
