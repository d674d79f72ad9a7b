#!/usr/bin/env python3
"""Top functions of a speedscope profile written by `dotnet-trace collect --format Speedscope`.

Usage: top_frames.py PROFILE.speedscope.json [--top N] [--thread SUBSTRING]

Prints, for the busiest thread (or the one whose name contains SUBSTRING), the functions with the largest
exclusive (self) time and the largest inclusive time, as percentages of that thread's sampled time. Other threads
(the finalizer waiting on GC callbacks, the tiered-JIT worker) are left out, so the percentages describe the
training loop itself.
"""
import argparse
import json
from collections import defaultdict


PSEUDO_FRAMES = {"CPU_TIME", "UNMANAGED_CODE_TIME"}


def self_frame(stack, frames):
    """The innermost real function on the stack (speedscope exports end every sample in a CPU_TIME pseudo frame)."""
    for index in reversed(stack):
        if frames[index] not in PSEUDO_FRAMES:
            return frames[index]
    return frames[stack[-1]]


def thread_times(profile, frames):
    """(exclusive, inclusive) seconds per frame name for one evented profile."""
    exclusive = defaultdict(float)
    inclusive = defaultdict(float)
    stack = []          # frame indices currently open
    open_count = defaultdict(int)
    opened_at = {}      # frame name -> time its outermost instance opened
    last = None
    for event in profile["events"]:
        at = event["at"]
        if stack and last is not None:
            exclusive[self_frame(stack, frames)] += at - last
        last = at
        name = frames[event["frame"]]
        if event["type"] == "O":
            stack.append(event["frame"])
            if open_count[name] == 0:
                opened_at[name] = at
            open_count[name] += 1
        else:
            stack.pop()
            open_count[name] -= 1
            if open_count[name] == 0:
                inclusive[name] += at - opened_at.pop(name)
    return exclusive, inclusive


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--thread", default=None)
    args = parser.parse_args()
    with open(args.profile) as f:
        data = json.load(f)
    frames = [frame["name"] for frame in data["shared"]["frames"]]
    profiles = [p for p in data["profiles"] if p["type"] == "evented"]
    if args.thread:
        profiles = [p for p in profiles if args.thread in p["name"]]
    profile = max(profiles, key=lambda p: p["endValue"] - p["startValue"])
    exclusive, inclusive = thread_times(profile, frames)
    total = sum(exclusive.values()) or 1.0
    for name in PSEUDO_FRAMES:
        inclusive.pop(name, None)
    print(f"thread {profile['name']}: {total:.1f} {profile.get('unit', '')} sampled")
    for title, table in (("exclusive", exclusive), ("inclusive", inclusive)):
        print(f"\ntop {args.top} by {title} time")
        for name, value in sorted(table.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"{100 * value / total:6.2f}%  {name[:140]}")


if __name__ == "__main__":
    main()
