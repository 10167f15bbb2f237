"""The reference workload of BENCHMARK.md in SimPy, process style: the peer that
`pnpm bench` runs beside sim at 10,000/50 (and at smaller scales when asked).

Each sensor is a SimPy process that holds until its next sample; each message is a
process that holds for its link's latency, then hands the reading to its receiver
(a gateway, or the cloud). Same arithmetic as bench/bare-loop.mjs (level + daily
drift + triangular noise, clamped, rounded), Python's own random numbers: the counts
do not depend on them. No trace.

Uses SimPy 2.3's classic API as Debian ships it (`apt-get install python3-simpy`, run
by /usr/bin/python3); the process style there is `yield hold, self, dt`.
bench/simpy-env-peer.py is the same model in SimPy 3 and 4's environment API.

    /usr/bin/python3 bench/simpy-peer.py <N> <G>

Prints one JSON line, like bench/run-scale.mjs: engine "simpy 2.3", events, cloud
messages, wall seconds (building the model and running it), peak RSS.
"""
import json
import math
import random
import resource
import sys
import time

from SimPy.Simulation import Process, activate, hold, initialize, simulate

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
    def __init__(self, cloud, rng):
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
            send(self.cloud, self.total / 10, self.oldest, 20_000 + math.floor(self.rng.random() * 5_000))
            self.total = 0.0
            self.count = 0
            self.oldest = math.inf


class Message(Process):
    def travel(self, receiver, value, sampled, delay):
        yield hold, self, delay
        receiver.receive(value, sampled)


def send(receiver, value, sampled, delay):
    m = Message()
    activate(m, m.travel(receiver, value, sampled, delay))


class Sensor(Process):
    def __init__(self, gateway, rng):
        Process.__init__(self)
        self.gateway = gateway
        self.rng = rng
        self.level = BASELINE + (2 * rng.random() - 1) * SPREAD
        self.phase = 2 * math.pi * rng.random()

    def sample(self, start_us):
        rng = self.rng
        t = start_us
        while t < H_US:
            Counts.events += 1
            value = self.level + AMPLITUDE * math.sin(OMEGA * t + self.phase) + NOISE * (rng.random() + rng.random() - 1)
            value = round(min(MAX, max(MIN, value)) * SCALE) / SCALE
            send(self.gateway, value, t, 5_000 + math.floor(rng.random() * 2_000))
            yield hold, self, P_US
            t += P_US


def main():
    n, g = int(sys.argv[1]), int(sys.argv[2])
    t0 = time.perf_counter()
    initialize()
    rng = random.Random(1)
    cloud = Cloud()
    gateways = [Gateway(cloud, rng) for _ in range(g)]
    for i in range(n):
        s = Sensor(gateways[i % g], rng)
        start = round(i * 1000 / n * 1000)
        activate(s, s.sample(start), at=start)
    simulate(until=END_US)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "engine": "simpy 2.3",
        "scale": f"{n}/{g}",
        "events": Counts.events,
        "cloud_messages": Counts.cloud,
        "wall_s": round(wall, 3),
        "events_per_s": round(Counts.events / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "digest": None,
    }, separators=(",", ":")))


main()
