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
import random
import sys
import time

import simpy

from simpy_model import END_US, H_US, P_US, Cloud, Gateway, print_result, reading, sensor_constants, sensor_latency_us, start_us


def travel(env, receiver, value, sampled, delay):
    yield env.timeout(delay)
    receiver.receive(value, sampled)


def sender(env):
    return lambda receiver, value, sampled, delay: env.process(travel(env, receiver, value, sampled, delay))


def sensor(env, send, gateway, rng, first_us):
    level, phase = sensor_constants(rng)
    # The environment API has no start time for a process: hold until it (SimPy 2.3's
    # `activate(..., at=start)` does the same with one event less per sensor).
    if first_us > 0:
        yield env.timeout(first_us)
    t = first_us
    while t < H_US:
        send(gateway, reading(level, phase, t, rng), t, sensor_latency_us(rng))
        yield env.timeout(P_US)
        t += P_US


def main():
    n, g = int(sys.argv[1]), int(sys.argv[2])
    t0 = time.perf_counter()
    env = simpy.Environment()
    send = sender(env)
    rng = random.Random(1)
    cloud = Cloud()
    gateways = [Gateway(cloud, rng, send) for _ in range(g)]
    for i in range(n):
        env.process(sensor(env, send, gateways[i % g], rng, start_us(i, n)))
    env.run(until=END_US)
    print_result(f"simpy {simpy.__version__}", n, g, time.perf_counter() - t0)


main()
