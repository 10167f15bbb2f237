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
import random
import sys
import time

from SimPy.Simulation import Process, activate, hold, initialize, simulate

from simpy_model import END_US, H_US, P_US, Cloud, Gateway, print_result, reading, sensor_constants, sensor_latency_us, start_us


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
        self.level, self.phase = sensor_constants(rng)

    def sample(self, first_us):
        rng = self.rng
        t = first_us
        while t < H_US:
            send(self.gateway, reading(self.level, self.phase, t, rng), t, sensor_latency_us(rng))
            yield hold, self, P_US
            t += P_US


def main():
    n, g = int(sys.argv[1]), int(sys.argv[2])
    t0 = time.perf_counter()
    initialize()
    rng = random.Random(1)
    cloud = Cloud()
    gateways = [Gateway(cloud, rng, send) for _ in range(g)]
    for i in range(n):
        s = Sensor(gateways[i % g], rng)
        first = start_us(i, n)
        activate(s, s.sample(first), at=first)
    simulate(until=END_US)
    print_result("simpy 2.3", n, g, time.perf_counter() - t0)


main()
