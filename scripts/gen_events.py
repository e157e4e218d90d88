#!/usr/bin/env python3
"""Generates a realistic Segment-Spec NDJSON stream for the retail example.

    gen_events.py --events N --profiles P [--seed S] [--start 2026-01-01T00:00:00Z]
                  [--step-ms MS] [--broken FRACTION]

Profiles browse anonymously, log in (identify with e-mail and plan, alias), view
products, add to cart, buy with decimal revenue, answer NPS surveys, change consent
and occasionally ask to be forgotten. Event time increases by a random step per
message; a few messages are retried duplicates. With --broken, that fraction of
lines is malformed (bad JSON, missing timestamp, wrong types). Deterministic for a
given seed. Standard library only.
"""

import argparse
import random
import sys
from datetime import datetime, timezone

CATEGORIES = ["shoes", "bags", "toys", "books", "garden", "music", "kitchen"]
PRICES = ["4.99", "9.99", "14.50", "19.99", "24.50", "49.00", "89.90", "129.00", "249.99"]
PLANS = ["free", "pro", "team"]


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--profiles", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-01-01T08:00:00Z")
    ap.add_argument("--step-ms", type=int, default=20000)
    ap.add_argument("--broken", type=float, default=0.0)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    t = int(datetime.strptime(a.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() * 1000)
    logged_in = set()
    out = sys.stdout
    write = out.write
    last = None
    for n in range(a.events):
        t += rnd.randint(1, a.step_ms)
        p = rnd.randrange(a.profiles)
        anon = "a%d" % p
        ids = '"anonymousId":"%s"' % anon
        if p in logged_in:
            ids += ',"userId":"u%d"' % p
        ts = iso(t)
        mid = "m%d" % n
        r = rnd.random()
        if a.broken and rnd.random() < a.broken:
            kind = rnd.randrange(3)
            if kind == 0:
                write('{"type":"track","event":"Product Viewed",%s\n' % ids)
            elif kind == 1:
                write('{"type":"track","event":"Product Viewed",%s,"properties":{"product_id":"p1","price":1,"category":"c"}}\n' % ids)
            else:
                write('{"type":"track","event":"Product Viewed",%s,"timestamp":"%s","properties":{"product_id":"p1","price":"free","category":"c"}}\n' % (ids, ts))
            continue
        if r < 0.45:
            line = '{"type":"track","event":"Product Viewed",%s,"timestamp":"%s","messageId":"%s","properties":{"product_id":"p%d","price":%s,"category":"%s"}}' % (
                ids, ts, mid, rnd.randrange(200), rnd.choice(PRICES), rnd.choice(CATEGORIES))
        elif r < 0.60:
            line = '{"type":"track","event":"Product Added",%s,"timestamp":"%s","messageId":"%s","properties":{"product_id":"p%d","price":%s}}' % (
                ids, ts, mid, rnd.randrange(200), rnd.choice(PRICES))
        elif r < 0.70:
            coupon = ',"coupon":"SAVE10"' if rnd.random() < 0.3 else ""
            line = '{"type":"track","event":"Order Completed",%s,"timestamp":"%s","messageId":"%s","properties":{"order_id":"o%d","revenue":%s%s}}' % (
                ids, ts, mid, n, rnd.choice(PRICES), coupon)
        elif r < 0.78:
            line = '{"type":"page",%s,"timestamp":"%s","messageId":"%s","properties":{"path":"/c/%s"}}' % (ids, ts, mid, rnd.choice(CATEGORIES))
        elif r < 0.84:
            logged_in.add(p)
            line = '{"type":"identify","anonymousId":"%s","userId":"u%d","timestamp":"%s","messageId":"%s","traits":{"email":"User%d@Example.com","plan":"%s","country":"de"}}' % (
                anon, p, ts, mid, p, rnd.choice(PLANS))
        elif r < 0.90:
            prefs = '"Personalization":%s,"Email Marketing":%s' % (
                "true" if rnd.random() < 0.8 else "false", "true" if rnd.random() < 0.7 else "false")
            line = '{"type":"identify",%s,"timestamp":"%s","messageId":"%s","context":{"consent":{"categoryPreferences":{%s}}}}' % (ids, ts, mid, prefs)
        elif r < 0.93:
            line = '{"type":"track","event":"Signed Up",%s,"timestamp":"%s","messageId":"%s","properties":{"plan":"%s"}}' % (ids, ts, mid, rnd.choice(PLANS))
        elif r < 0.96:
            line = '{"type":"track","event":"NPS Submitted",%s,"timestamp":"%s","messageId":"%s","properties":{"score":%d}}' % (ids, ts, mid, rnd.randrange(11))
        elif r < 0.985 and last:
            line = last  # a retried message: same messageId, a duplicate
        elif r < 0.997:
            line = '{"type":"alias","previousId":"%s","userId":"u%d","timestamp":"%s","messageId":"%s"}' % (anon, p, ts, mid)
            logged_in.add(p)
        else:
            line = '{"type":"forget",%s,"timestamp":"%s","messageId":"%s"}' % (ids, ts, mid)
            logged_in.discard(p)
        write(line + "\n")
        last = line


if __name__ == "__main__":
    main()
