#!/usr/bin/python3
"""Measures how often the Java kernel fails to start, with and without Minerva's start-up patch.

Reads the project's kernelspec (.minerva/jupyter/kernels/minerva-java, written by ./minerva setup),
derives an unpatched twin (the same spec without the patch jar on -cp) in a temporary Jupyter dir, then
alternates between the two:
  --starts N     N kernel starts each: start, wait for kernel_info (timeout), record, kill
  --nbconvert N  N `jupyter nbconvert --execute` runs each of a tiny notebook
and prints one line per trial and a summary. Uses Debian's Python (/usr/bin/python3) and jupyter_client.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from jupyter_client.manager import KernelManager

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC_DIR = os.path.join(ROOT, ".minerva", "jupyter")
NOTEBOOK = os.path.join(ROOT, "toolkit", "src", "test", "resources", "notebooks", "passes.ipynb")


def make_specs(tmp):
    with open(os.path.join(SPEC_DIR, "kernels", "minerva-java", "kernel.json")) as f:
        spec = json.load(f)
    argv = spec["argv"]
    cp = argv.index("-cp")
    jars = argv[cp + 1].split(":")
    if not jars[0].endswith("minerva-kernel-patch.jar"):
        sys.exit("unexpected kernelspec: the patch jar is not first on -cp: " + argv[cp + 1])
    unpatched = dict(spec, argv=argv[:cp + 1] + [":".join(jars[1:])] + argv[cp + 2:],
                     display_name=spec["display_name"] + " unpatched")
    for name, s in (("check-patched", spec), ("check-unpatched", unpatched)):
        d = os.path.join(tmp, "kernels", name)
        os.makedirs(d)
        with open(os.path.join(d, "kernel.json"), "w") as f:
            json.dump(s, f)


def start_once(name, timeout):
    km = KernelManager(kernel_name=name)
    t0 = time.time()
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    ok = True
    try:
        kc.wait_for_ready(timeout=timeout)
    except RuntimeError:
        ok = False
    dt = time.time() - t0
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return ok, dt


def nbconvert_once(name, timeout, out):
    t0 = time.time()
    r = subprocess.run(["/usr/bin/jupyter", "nbconvert", "--to", "notebook", "--execute", NOTEBOOK,
                        "--output-dir", out, "--output", name,
                        "--ExecutePreprocessor.kernel_name=" + name,
                        "--ExecutePreprocessor.startup_timeout=%d" % timeout],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, time.time() - t0, (r.stdout.strip().splitlines() or [""])[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=40)
    ap.add_argument("--nbconvert", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=30, help="seconds to wait for kernel_info")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kernel-check-")
    try:
        make_specs(tmp)
        os.environ["JUPYTER_PATH"] = tmp + os.pathsep + SPEC_DIR
        os.environ.setdefault("MINERVA_BUDGET", "ci")
        stats = {}
        for kind, n in (("start", a.starts), ("nbconvert", a.nbconvert)):
            for i in range(n):
                for name in ("check-patched", "check-unpatched"):
                    if kind == "start":
                        ok, dt = start_once(name, a.timeout); why = ""
                    else:
                        ok, dt, why = nbconvert_once(name, a.timeout, tmp)
                    s = stats.setdefault((kind, name), [0, 0, []])
                    s[0 if ok else 1] += 1
                    s[2].append(dt)
                    print("%-9s %-16s %3d %-4s %5.1f s %s" % (kind, name, i + 1, "ok" if ok else "FAIL", dt, "" if ok else why), flush=True)
        print("summary (kernel_info timeout %d s):" % a.timeout)
        for (kind, name), (ok, bad, times) in sorted(stats.items()):
            times.sort()
            print("  %-9s %-16s %d failed of %d (median %.1f s, max %.1f s)" % (kind, name, bad, ok + bad, times[len(times) // 2], times[-1]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
