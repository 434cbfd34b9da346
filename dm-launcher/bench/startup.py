#!/usr/bin/env python3
"""Start-up benchmark for the dm-launcher (run as root after `mvn -pl dm-launcher package`).

Measures wall time from starting `java ... LauncherMain` (spec on stdin) until the
{"ok":true,"pid":N} line is read, for several JVM option sets. Acts as child subreaper so the
spawned probes can be killed and reaped (this VM's pid 1 reaps orphans only lazily).
Usage: bench/startup.py [runs]
"""
import ctypes, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
MOD = os.path.dirname(HERE)
TARGET = os.path.join(MOD, "target")
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER

stress = len(sys.argv) > 1 and sys.argv[1] == "stress"
if stress:
    sys.argv.pop(1)
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
work = tempfile.mkdtemp(prefix="bench-", dir=TARGET)
probe = os.path.join(work, "probe")
subprocess.check_call(["gcc", "-O2", "-static", "-o", probe, os.path.join(MOD, "src/test/c/probe.c")])
os.mkdir(os.path.join(work, "root"))
# the launch spec keyed by layer name (dev.dmjail.launcher.spec), as SpecWriter writes it
spec = {
    "domainName": "bench",
    "fds-env": {"fds": [{"target": 0, "kind": "DEV_NULL"},
            {"target": 1, "kind": "FILE", "path": os.path.join(work, "log"), "write": True, "append": True},
            {"target": 2, "kind": "FILE", "path": os.path.join(work, "log"), "write": True, "append": True},
            {"target": 5, "kind": "UNIX_LISTEN", "path": os.path.join(work, "qmp.sock")}]},
    "namespaces": {"mount": True, "ipc": True, "uts": True, "net": True, "pid": True, "hostname": "bench"},
    "filesystem": {"mountPoint": os.path.join(work, "root"), "readOnlyBinds": [probe],
                   "devices": [{"name": "null", "major": 1, "minor": 3, "mode": 0o666}],
                   "writableDirs": ["/tmp"], "tmpfsBytes": 1 << 20},
    "rlimits": {"limits": [{"resource": "FSIZE", "soft": 262144, "hard": 262144},
                           {"resource": "CORE", "soft": 0, "hard": 0}]},
    "dac": {"uid": 231597, "gid": 231597, "clearCapabilities": True, "noNewPrivs": True},
    "seccomp": {"denyEperm": ["unshare", "ptrace", "mount", "setns", "kexec_load", "bpf", "perf_event_open",
                              "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key",
                              "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
                              "init_module", "finit_module", "delete_module", "pivot_root"],
                "denyEnosys": ["clone3"], "denyCloneNamespaceFlags": True},
    "exec": {"path": probe, "argv": ["probe", "/tmp"], "env": {"PATH": "/nonexistent"}, "cwd": "/"},
}
spec_bytes = json.dumps(spec).encode()
jar = os.path.join(TARGET, "dm-launcher.jar")
lib = os.path.join(TARGET, "lib")
cp = jar  # its manifest names lib/*.jar: the class path the AppCDS archive was made with
jsa = os.path.join(TARGET, "dm-launcher.jsa")
native = os.path.join(TARGET, "native")

def launch(opts, extra_input=None):
    t0 = time.monotonic()
    p = subprocess.Popen(["java"] + opts + ["-cp", cp, "dev.dmjail.launcher.LauncherMain"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(extra_input or spec_bytes); p.stdin.close()
    line = p.stdout.readline()
    t1 = time.monotonic()
    err = p.stderr.read().decode()
    p.wait()
    try:
        ans = json.loads(line)
    except ValueError:
        raise SystemExit("launcher %s answered %r, stderr %r" % (opts, line, err))
    if not ans.get("ok"):
        raise SystemExit("launcher failed: %s %s" % (line, err))
    pid = ans["pid"]
    if pid > 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return (t1 - t0) * 1000, err

# AppCDS: dynamic archive from a dry run (prepare only: no side effects)
if not os.path.exists(jsa):
    subprocess.run(["java", "-XX:ArchiveClassesAtExit=" + jsa, "-XX:-UsePerfData", "-cp", cp,
                    "dev.dmjail.launcher.LauncherMain", "--dry-run"], input=spec_bytes, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# jffi stub pre-extracted (no unzip to /tmp at every start)
if not os.path.exists(os.path.join(native, "libjffi-1.2.so")):
    os.makedirs(native, exist_ok=True)
    import zipfile
    with zipfile.ZipFile(os.path.join(lib, "jffi-1.3.13-native.jar")) as z:
        with open(os.path.join(native, "libjffi-1.2.so"), "wb") as f:
            f.write(z.read("jni/x86_64-Linux/libjffi-1.2.so"))

base = ["-XX:-UsePerfData"]
fast = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-XX:CICompilerCount=1"]
variants = [
    ("default JVM (java -cp ...)", []),
    ("-XX:-UsePerfData", base),
    ("+ TieredStopAtLevel=1", base + ["-XX:TieredStopAtLevel=1"]),
    ("+ SerialGC", base + ["-XX:+UseSerialGC"]),
    ("+ C1 only, SerialGC, Xss512k, 1 compiler", base + fast),
    ("+ AppCDS (dynamic archive)", base + ["-XX:SharedArchiveFile=" + jsa]),
    ("+ jffi.boot.library.path", base + ["-Djffi.boot.library.path=" + native]),
    ("+ jnr.ffi.asm.enabled=false", base + ["-Djnr.ffi.asm.enabled=false"]),
    ("C1/Serial + AppCDS + asm off", base + fast + ["-XX:SharedArchiveFile=" + jsa, "-Djnr.ffi.asm.enabled=false"]),
    ("all of the above", base + fast + ["-XX:SharedArchiveFile=" + jsa, "-Djffi.boot.library.path=" + native]),
    ("LauncherCommand (C1/Serial/CDS/asm off/-cp jar)", ["-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-XX:CICompilerCount=1", "-Xss512k", "-Xlog:disable", "-Xlog:all=warning:stderr",
        "-Djnr.ffi.asm.enabled=false", "-XX:SharedArchiveFile=" + jsa, "-Djffi.boot.library.path=" + native]),
    ("all + -Xint", base + ["-Xint", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=" + jsa,
                            "-Djffi.boot.library.path=" + native]),
]
if stress:  # every variant many times: any launch that does not answer is reported
    fails = 0
    try:
        for i in range(runs):
            for name, opts in variants:
                try:
                    launch(opts)
                except SystemExit as e:
                    fails += 1
                    print("FAIL run %d %s: %s" % (i, name, e))
    finally:
        shutil.rmtree(work)
    print("%d launches, %d failures" % (runs * len(variants), fails))
    sys.exit(1 if fails else 0)
try:
    launch(base)  # warm the page cache
    print("%-45s %8s %8s %8s" % ("variant", "median", "min", "max"))
    times = {name: [] for name, _ in variants}
    for _ in range(runs):  # interleaved, so load from other processes hits every variant alike
        for name, opts in variants:
            times[name].append(launch(opts)[0])
    for name, _ in variants:
        ts = times[name]
        print("%-45s %7.0fms %7.0fms %7.0fms" % (name, statistics.median(ts), min(ts), max(ts)))
    for name, opts in (variants[1], variants[-2]):
        _, err = launch(opts + ["-Ddmjail.launcher.timing=true"])
        print("phases (%s): %s" % (name, err.strip()))
    t0 = time.monotonic(); subprocess.run(["java", "-XX:-UsePerfData", "-version"], capture_output=True)
    print("java -version alone: %.0fms" % ((time.monotonic() - t0) * 1000))
finally:
    shutil.rmtree(work)
