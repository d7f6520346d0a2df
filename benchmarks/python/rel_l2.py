"""Relative L2 distance between tensor NAME of two safetensors files: ||a - b|| / ||b||.

    python3 rel_l2.py TEST.safetensors REFERENCE.safetensors [--name video] [--max 2e-2]

Exits 1 when the distance is not below --max (or either is not finite).
"""
import argparse
import math
import sys

from safetensors.torch import load_file

from wan_step import rel_l2


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("test")
    p.add_argument("reference")
    p.add_argument("--name", default="video")
    p.add_argument("--max", type=float, default=2e-2)
    a = p.parse_args(argv)
    test = load_file(a.test)[a.name]
    ref = load_file(a.reference)[a.name]
    if test.shape != ref.shape:
        print(f"{a.test}: {a.name} has shape {list(test.shape)}, the reference {list(ref.shape)}")
        return 1
    d = rel_l2(test, ref)
    ok = math.isfinite(d) and d < a.max
    print(f"{a.test} vs {a.reference}: relative L2 {d:.3e} ({'below' if ok else 'NOT below'} {a.max:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
