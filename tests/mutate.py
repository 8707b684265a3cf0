#!/usr/bin/python3
"""make mutate: a small mutation tester for plaincnn's nn/ and lenet/.

It plants one small bug (a mutant) at a time in a scratch copy of the tree,
rebuilds incrementally and runs the tests; a mutant the tests notice is
"caught", one they do not is "survived". The score, caught / (caught +
survived), says how many of these bugs the tests would have stopped.

Mutation sites are drawn at random, from MUTATE_SEED, among every .cpp file
under nn/ and lenet/ (comments and string literals are left alone):

  op        flip an arithmetic or comparison operator:  + -  * /  < <=  > >=  == !=
  const     change a number by one:                      2 -> 3, 0.5f -> 1.5f
  drop      drop the right-hand term of a +=:            s += a * b;  ->  s += 0;
  swap      swap the first two arguments of a call:      f(a, b, c)  ->  f(b, a, c)

For each mutant: the scratch file is changed, `make` rebuilds that object,
the library and each test binary just before it runs; the test binaries run
those named after the mutated file first, then those that caught the most
mutants so far, then the fastest (times measured on the unmutated tree),
and the first failure stops the mutant. The CLI scripts (tests/test_*.sh) run last. A test
that runs ten times its unmutated time (at least 20 s) counts as a failure:
a mutant that hangs is caught. A mutant that does not compile is not counted
and another site is drawn in its place.

Environment:
  MUTATE_SEED     which sites (default 1)
  MUTATE_N        how many mutants that build (default 20)
  MUTATE_TIMEOUT  seconds allowed per mutant, build included (default 600); a
                  mutant over it is reported as "timed out" and not counted
  MUTATE_DIR      the scratch copy (default build/mutate/tree)
  MUTATE_SITES    list every site and stop (1), to see what can be drawn

Not part of `make test` or CI: a run of 20 mutants takes several minutes.
"""

import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ("nn", "lenet")


# ------------------------------------------------------------------- sites

def code_mask(text):
    """A copy of text with comments and string/char literals blanked out
    (same length, newlines kept), so sites are found only in code."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if text[k] != "\n":
                    out[k] = " "
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i, min(j + 1, n)):
                out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


# Binary operators written with a space on each side (the project's style),
# which keeps out unary minus, pointers, references and template brackets.
OP_FLIPS = {"+": "-", "-": "+", "*": "/", "/": "*", "<": "<=", "<=": "<", ">": ">=", ">=": ">",
            "==": "!=", "!=": "=="}
OP_RE = re.compile(r"(?<=\S) (<=|>=|==|!=|\+|-|\*|/|<|>) (?=\S)")
# A number not part of a name: 2, 32, 0.5f, 1e-7f, 1.0.
NUM_RE = re.compile(r"(?<![\w.])(\d+\.\d*|\d+)(e-?\d+)?(f|u|ul|UL|U)?(?![\w.])")
DROP_RE = re.compile(r"\+= ([^;]+);")
CALL_RE = re.compile(r"\b[A-Za-z_]\w*\(")
# "const Tensor& A_prev", "int m": a declared parameter, not an argument.
DECL_RE = re.compile(r"^(const\s+)?[\w:<>]+[\s*&]+\w+( = .*)?$")


def top_level_args(line, open_paren):
    """The argument spans (start, end) of the call whose '(' is at
    open_paren, if the call closes on the same line; else None."""
    depth, start, spans = 0, open_paren + 1, []
    for k in range(open_paren, len(line)):
        c = line[k]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                spans.append((start, k))
                return spans
        elif c == "," and depth == 1:
            spans.append((start, k))
            start = k + 1
        elif c == "<" and depth == 1 and line[k - 1] != " ":
            return None  # a template argument list: commas inside are not ours
    return None


def sites_in(path):
    """Every mutation site of one file: (path, line number, column, kind,
    old text, new text)."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    masked = code_mask(text).split("\n")
    found = []
    for no, (code, real) in enumerate(zip(masked, text.split("\n")), start=1):
        stripped = code.strip()
        if not stripped or stripped.startswith("#") or "static_assert" in code:
            continue
        for m in OP_RE.finditer(code):
            op = m.group(1)
            # "a < b" inside template brackets, or stream output, is not an operator here.
            if op in "<>" and ("<<" in code or ">>" in code or "template" in code):
                continue
            found.append((path, no, m.start(1), "op", op, OP_FLIPS[op]))
        for m in NUM_RE.finditer(code):
            digits, exp, suffix = m.group(1), m.group(2) or "", m.group(3) or ""
            if "." in digits:
                new = repr(float(digits) + 1.0)
            else:
                new = str(int(digits) + 1)
            found.append((path, no, m.start(), "const", m.group(0), new + exp + suffix))
        for m in DROP_RE.finditer(code):
            if m.group(1).strip() != "0":
                found.append((path, no, m.start(), "drop", m.group(0), "+= 0;"))
        for m in CALL_RE.finditer(code):
            name = m.group(0)[:-1]
            if name in ("if", "for", "while", "switch", "return", "sizeof", "require", "static_cast",
                        "reinterpret_cast", "defined"):
                continue
            if name in ("max", "min"):
                continue  # commutative: the swapped call is the same bug-free call
            spans = top_level_args(code, m.end() - 1)
            if not spans or len(spans) < 2:
                continue
            (a0, a1), (b0, b1) = spans[0], spans[1]
            a, b = real[a0:a1].strip(), real[b0:b1].strip()
            if not a or not b or a == b or (DECL_RE.match(a) and DECL_RE.match(b)):
                continue  # nothing to swap, or a parameter list
            old = real[a0:b1]
            new = real[a0:a0 + len(real[a0:a1]) - len(real[a0:a1].lstrip())] + b + "," + \
                real[b0:b0 + len(real[b0:b1]) - len(real[b0:b1].lstrip())] + a
            found.append((path, no, a0, "swap", old, new))
    return found


def all_sites():
    files = []
    for top in SOURCES:
        for d, _, names in os.walk(os.path.join(ROOT, top)):
            files += [os.path.relpath(os.path.join(d, f), ROOT) for f in names if f.endswith(".cpp")]
    sites = []
    for f in sorted(files):
        sites += sites_in(f)
    return sites


def apply_site(text, site):
    _, no, col, _, old, new = site
    lines = text.split("\n")
    line = lines[no - 1]
    assert line[col:col + len(old)] == old, (site, line)
    lines[no - 1] = line[:col] + new + line[col + len(old):]
    return "\n".join(lines)


# ----------------------------------------------------------- scratch tree

def copy_tree(scratch):
    """The working tree and its build/ (objects, archives, test binaries)
    copied to scratch, with build products dated after their sources so
    that make rebuilds only what a mutant changes."""
    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    os.makedirs(scratch)
    skip_build = {"mutate", "san", "debug", "docs", "post", "lab"}
    for name in os.listdir(ROOT):
        src, dst = os.path.join(ROOT, name), os.path.join(scratch, name)
        if name in (".git",):
            continue
        if os.path.islink(src):
            os.symlink(os.readlink(src) if os.path.isabs(os.readlink(src)) else os.path.realpath(src), dst)
        elif name == "build":
            os.makedirs(dst)
            for sub in os.listdir(src):
                if sub in skip_build:
                    continue
                s = os.path.join(src, sub)
                if os.path.isdir(s):
                    shutil.copytree(s, os.path.join(dst, sub), symlinks=True)
                else:
                    shutil.copy2(s, os.path.join(dst, sub))
        elif os.path.isdir(src):
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst)
    # Sources at t0, objects at t0 + 10, archives + 20, programs + 30.
    t0 = time.time() - 3600
    for d, _, names in os.walk(scratch):
        for f in names:
            p = os.path.join(d, f)
            if os.path.islink(p):
                continue
            rel = os.path.relpath(p, scratch)
            if not rel.startswith("build" + os.sep):
                stamp = t0
            elif f.endswith((".o", ".d")):
                stamp = t0 + 10
            elif f.endswith(".a"):
                stamp = t0 + 20
            else:
                stamp = t0 + 30
            os.utime(p, (stamp, stamp))


def make(scratch, targets, timeout):
    return subprocess.run(["make", "-s", "-j2", "--no-print-directory"] + targets, cwd=scratch,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)


def test_list(scratch):
    gtests = sorted("build/tests/" + os.path.basename(f)[:-4]
                    for f in os.listdir(os.path.join(scratch, "tests")) if re.match(r"test_.*\.cpp$", f))
    scripts = sorted("tests/" + f for f in os.listdir(os.path.join(scratch, "tests"))
                     if re.match(r"test_.*\.sh$", f))
    return gtests, scripts


def run_test(scratch, test, timeout):
    """(passed, seconds) for one test binary or script; a timeout fails."""
    env = dict(os.environ, PLAINCNN=os.path.join(scratch, "build/bin/plaincnn"))
    cmd = ["bash", test] if test.endswith(".sh") else [test, "--gtest_brief=1"]
    start = time.time()
    try:
        r = subprocess.run(cmd, cwd=scratch, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout)
        return r.returncode == 0, time.time() - start
    except subprocess.TimeoutExpired:
        return False, time.time() - start


def tests_for(path, order, catches):
    """The order to run the tests in for a mutant of path: first those named
    after its file or folder (nn/adam.cpp: test_adam, test_fast_adam, ...;
    lenet/keras/model.cpp: test_keras, ...), then those that caught the most
    mutants so far, then the fastest. Only the time to a verdict depends on
    it: a survivor has run every test."""
    parts = path[:-4].split("/")
    keys = [parts[-1]] + [p for p in parts[1:-1]]
    def named(t):
        return any(k in os.path.basename(t) for k in keys)
    return sorted(order, key=lambda t: (not named(t), -catches.get(t, 0), order.index(t)))


# ------------------------------------------------------------------- main

def main():
    seed = int(os.environ.get("MUTATE_SEED", "1"))
    n_wanted = int(os.environ.get("MUTATE_N", "20"))
    per_mutant = float(os.environ.get("MUTATE_TIMEOUT", "600"))
    scratch = os.path.abspath(os.environ.get("MUTATE_DIR", os.path.join(ROOT, "build/mutate/tree")))

    sites = all_sites()
    if os.environ.get("MUTATE_SITES") == "1":
        for path, no, col, kind, old, new in sites:
            print("%s:%d:%d %s %r -> %r" % (path, no, col + 1, kind, old, new))
        print("mutate: %d sites" % len(sites))
        return 0
    random.Random(seed).shuffle(sites)

    print("mutate: seed %d, %d mutants wanted, %d sites in %s; scratch copy in %s"
          % (seed, n_wanted, len(sites), " ".join(s + "/" for s in SOURCES), scratch), flush=True)
    copy_tree(scratch)
    gtests, scripts = test_list(scratch)
    r = make(scratch, gtests + ["build/bin/plaincnn"], 1800)
    if r.returncode != 0:
        sys.stdout.write(r.stdout.decode(errors="replace"))
        print("mutate: the unmutated tree does not build")
        return 1
    # The unmutated run: every test must pass; its times order the mutant runs.
    times = {}
    for t in gtests + scripts:
        ok, secs = run_test(scratch, t, 600)
        if not ok:
            print("mutate: %s fails on the unmutated tree; fix that first" % t)
            return 1
        times[t] = secs
    order = sorted(gtests, key=lambda t: times[t]) + sorted(scripts, key=lambda t: times[t])

    catches = {}  # test -> mutants it caught so far in this run
    caught = survived = unbuilt = timed_out = 0
    survivors = []
    k = 0
    for site in sites:
        if caught + survived >= n_wanted:
            break
        path, no, col, kind, old, new = site
        src = os.path.join(scratch, path)
        obj = os.path.join(scratch, "build/obj", path[:-4] + ".o")
        original = open(src, encoding="utf-8").read()
        saved_obj = open(obj, "rb").read()
        where = "%s:%d:%d" % (path, no, col + 1)
        what = "%s %r -> %r" % (kind, old, new)
        start = time.time()
        verdict = None
        try:
            open(src, "w", encoding="utf-8").write(apply_site(original, site))
            try:
                built = make(scratch, ["build/libplaincnn.a"], per_mutant).returncode == 0
            except subprocess.TimeoutExpired:
                built = False
            if not built:
                unbuilt += 1
                print("   did not build   %-34s %s" % (where, what), flush=True)
                continue
            for t in tests_for(path, order, catches):
                left = per_mutant - (time.time() - start)
                if left <= 0:
                    verdict = "timeout"
                    break
                # The program too: the scripts and test_cli_passes run it.
                targets = ["build/bin/plaincnn"] + ([] if t.endswith(".sh") else [t])
                try:
                    if make(scratch, targets, left).returncode != 0:
                        verdict = "caught by %s (does not link)" % os.path.basename(t)
                        break
                except subprocess.TimeoutExpired:
                    verdict = "timeout"
                    break
                ok, _ = run_test(scratch, t, min(left, max(20.0, 10 * times[t])))
                if not ok:
                    verdict = "caught by %s" % os.path.basename(t)
                    catches[t] = catches.get(t, 0) + 1
                    break
        finally:
            # Back to the original source and object, dated after each other
            # as make expects, so the next mutant rebuilds only its own file.
            open(src, "w", encoding="utf-8").write(original)
            open(obj, "wb").write(saved_obj)
            now = time.time()
            os.utime(src, (now - 2, now - 2))
            os.utime(obj, (now - 1, now - 1))
        k += 1
        secs = time.time() - start
        if verdict == "timeout":
            timed_out += 1
            k -= 1
            print("   timed out       %-34s %s (%.0f s)" % (where, what, secs), flush=True)
        elif verdict:
            caught += 1
            print("%3d caught        %-34s %s  [%s, %.0f s]" % (k, where, what, verdict[10:], secs), flush=True)
        else:
            survived += 1
            survivors.append((where, what))
            print("%3d SURVIVED      %-34s %s  [%.0f s]" % (k, where, what, secs), flush=True)
    # Leave the scratch archive matching the sources for the next run.
    make(scratch, ["build/libplaincnn.a"], 1800)

    scored = caught + survived
    print("mutate: seed %d: %d caught, %d survived, %d did not build, %d timed out"
          % (seed, caught, survived, unbuilt, timed_out))
    for where, what in survivors:
        print("survived: %s %s" % (where, what))
    if scored:
        print("mutate: score %d/%d = %.0f%% caught" % (caught, scored, 100.0 * caught / scored))
    return 0


if __name__ == "__main__":
    sys.exit(main())
