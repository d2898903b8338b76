"""Ranks source lines (or SASS instructions) by warp-stall samples from an ncu source page.

Usage: ncu -i REPORT --page source --csv --print-source cuda|sass > page.csv
       python3 bench/ncu_hot_lines.py page.csv [TOP]
Build with -lineinfo so samples map to CUDA source lines. Prints each line's share of all
samples, most expensive first; for a SASS page, also the share by opcode.
"""
import collections
import csv
import sys


def main(path, top):
    rows = list(csv.reader(open(path, newline="", errors="replace")))
    for row in rows[:6]:
        print("raw:", row[:8])
    entries, header, context = [], None, ""
    for row in rows:
        if len(row) == 2 and row[0] in ("File Name", "Function Name", "Kernel Name"):
            context = row[1]
            continue
        if "Source" in row:
            header = row
            continue
        if header is None or len(row) != len(header):
            continue
        cols = dict(zip(header, row))
        sample_cols = [c for c in header if "Sampl" in c]
        if not sample_cols:
            continue
        col = next((c for c in sample_cols if "All" in c), sample_cols[0])
        try:
            samples = float(cols[col].replace(",", "") or 0)
        except ValueError:
            continue
        where = cols.get("Line No") or cols.get("#") or cols.get("Address", "?")
        entries.append((samples, context, where, cols["Source"].strip()))
    total = sum(e[0] for e in entries) or 1.0
    print(f"{len(entries)} rows, {total:.0f} samples")
    for samples, ctx, where, text in sorted(entries, reverse=True)[:top]:
        print(f"{100 * samples / total:6.2f}%  {ctx.split('/')[-1][:40]}:{where}  {text[:100]}")
    by_file = collections.Counter()
    for samples, ctx, _, _ in entries:
        by_file[ctx.split("/")[-1]] += samples
    print("by file:", ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in by_file.most_common(20)))
    by_op = collections.Counter()
    for samples, _, _, text in entries:
        op = text.split()[0] if text.split() else "?"
        if op.startswith("@"):
            op = text.split()[1] if len(text.split()) > 1 else op
        by_op[op.split(".")[0]] += samples
    print("by first token:", ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in by_op.most_common(15)))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
