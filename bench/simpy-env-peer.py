"""The reference workload of BENCHMARK.md in SimPy's environment API (SimPy 3 and 4:
`env.process`, `yield env.timeout(dt)`), process style: the peer that `pnpm bench`
runs beside sim at 10,000/50. bench/simpy-peer.py is the same model in SimPy 2.3's
classic API.

Each sensor is a process that holds until its next sample; each message is a process
that holds for its link's latency, then hands the reading to its receiver (a gateway,
or the cloud). Same arithmetic as bench/bare-loop.mjs (level + daily drift +
triangular noise, clamped, rounded), Python's own random numbers: the counts do not
depend on them. No trace.

Runs with whichever `simpy` the Python has: Debian ships SimPy 3.0.11
(`apt-get install python3-simpy3`, run by /usr/bin/python3); SimPy 4's process API
is the same.

    /usr/bin/python3 bench/simpy-env-peer.py <N> <G>

Prints one JSON line, like bench/run-scale.mjs: engine "simpy <version>", events,
cloud messages, wall seconds (building the model and running it), peak RSS.
"""
import json
import math
import random
import resource
import sys
import time

import simpy

P_US = 1_000_000
H_US = 60_000_000
END_US = 61_000_000
BASELINE, SPREAD, AMPLITUDE, NOISE, MIN, MAX, SCALE = 21, 2, 3, 0.1, -40, 85, 100
OMEGA = 2 * math.pi / (86_400 * 1_000_000)


class Counts:
    events = 0
    cloud = 0


class Cloud:
    def receive(self, value, sampled):
        Counts.events += 1
        Counts.cloud += 1


class Gateway:
    def __init__(self, env, cloud, rng):
        self.env = env
        self.cloud = cloud
        self.rng = rng
        self.total = 0.0
        self.count = 0
        self.oldest = math.inf

    def receive(self, value, sampled):
        Counts.events += 1
        self.total += value
        self.oldest = min(self.oldest, sampled)
        self.count += 1
        if self.count == 10:
            send(self.env, self.cloud, self.total / 10, self.oldest, 20_000 + math.floor(self.rng.random() * 5_000))
            self.total = 0.0
            self.count = 0
            self.oldest = math.inf


def travel(env, receiver, value, sampled, delay):
    yield env.timeout(delay)
    receiver.receive(value, sampled)


def send(env, receiver, value, sampled, delay):
    env.process(travel(env, receiver, value, sampled, delay))


def sensor(env, gateway, rng, start_us):
    level = BASELINE + (2 * rng.random() - 1) * SPREAD
    phase = 2 * math.pi * rng.random()
    # The environment API has no start time for a process: hold until it (SimPy 2.3's
    # `activate(..., at=start)` does the same with one event less per sensor).
    if start_us > 0:
        yield env.timeout(start_us)
    t = start_us
    while t < H_US:
        Counts.events += 1
        value = level + AMPLITUDE * math.sin(OMEGA * t + phase) + NOISE * (rng.random() + rng.random() - 1)
        value = round(min(MAX, max(MIN, value)) * SCALE) / SCALE
        send(env, gateway, value, t, 5_000 + math.floor(rng.random() * 2_000))
        yield env.timeout(P_US)
        t += P_US


def main():
    n, g = int(sys.argv[1]), int(sys.argv[2])
    t0 = time.perf_counter()
    env = simpy.Environment()
    rng = random.Random(1)
    cloud = Cloud()
    gateways = [Gateway(env, cloud, rng) for _ in range(g)]
    for i in range(n):
        env.process(sensor(env, gateways[i % g], rng, round(i * 1000 / n * 1000)))
    env.run(until=END_US)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "engine": f"simpy {simpy.__version__}",
        "scale": f"{n}/{g}",
        "events": Counts.events,
        "cloud_messages": Counts.cloud,
        "wall_s": round(wall, 3),
        "events_per_s": round(Counts.events / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "digest": None,
    }, separators=(",", ":")))


main()
