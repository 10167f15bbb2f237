"""What the two SimPy peers (bench/simpy-env-peer.py, bench/simpy-peer.py) share: the
reference workload's constants, the sensor reading, the gateway and cloud, the counts
and the JSON line. Each peer adds its SimPy API's processes; `send` is how a gateway
hands a mean to the cloud with a latency."""
import json
import math
import resource

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
    def __init__(self, cloud, rng, send):
        self.cloud = cloud
        self.rng = rng
        self.send = send
        self.total = 0.0
        self.count = 0
        self.oldest = math.inf

    def receive(self, value, sampled):
        Counts.events += 1
        self.total += value
        self.oldest = min(self.oldest, sampled)
        self.count += 1
        if self.count == 10:
            self.send(self.cloud, self.total / 10, self.oldest, 20_000 + math.floor(self.rng.random() * 5_000))
            self.total = 0.0
            self.count = 0
            self.oldest = math.inf


def sensor_constants(rng):
    """A sensor's level and phase, drawn when it is built."""
    return BASELINE + (2 * rng.random() - 1) * SPREAD, 2 * math.pi * rng.random()


def reading(level, phase, t, rng):
    """The temperature at t: level + daily drift + triangular noise, clamped, rounded (counted as an event)."""
    Counts.events += 1
    value = level + AMPLITUDE * math.sin(OMEGA * t + phase) + NOISE * (rng.random() + rng.random() - 1)
    return round(min(MAX, max(MIN, value)) * SCALE) / SCALE


def sensor_latency_us(rng):
    return 5_000 + math.floor(rng.random() * 2_000)


def start_us(i, n):
    """Sensor i's first sample (µs): the phases spread evenly over the first second."""
    return round(i * 1000 / n * 1000)


def print_result(engine, n, g, wall):
    print(json.dumps({
        "engine": engine,
        "scale": f"{n}/{g}",
        "events": Counts.events,
        "cloud_messages": Counts.cloud,
        "wall_s": round(wall, 3),
        "events_per_s": round(Counts.events / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "digest": None,
    }, separators=(",", ":")))
