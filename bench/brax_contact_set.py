"""Writes a copy of an MJCF model whose contacts are Brax's set for the issue-5 comparison: only
the named geoms (default: Humanoid's shins and feet) collide, and only with the floor.
Usage: python3 bench/brax_contact_set.py IN.xml OUT.xml [geom ...]"""
import sys
import xml.etree.ElementTree as ET

src, dst = sys.argv[1], sys.argv[2]
colliding = set(sys.argv[3:]) or {"right_shin1", "right_foot", "left_shin1", "left_foot"}
tree = ET.parse(src)
found = set()
for geom in tree.iter("geom"):
    name = geom.get("name", "")
    if name == "floor":
        geom.set("contype", "0"), geom.set("conaffinity", "1")
    elif name in colliding:
        found.add(name)
        geom.set("contype", "1"), geom.set("conaffinity", "0")
    else:
        geom.set("contype", "0"), geom.set("conaffinity", "0")
if found != colliding:
    sys.exit(f"{src}: no geom named {sorted(colliding - found)}")
tree.write(dst)
