package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.plan.QemuSandbox;
import dev.dmjail.toolstack.proc.SeccompFilters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seccomp layer's verify, against a fake /proc: mode and filter count per thread. The filters'
 * rules need ptrace on a live process; a fake tree says they were not observable (the rules
 * themselves are evaluated against the real QEMU in EndToEndTest and AuditHonestyTest).
 */
class SeccompLayerTest {

    @TempDir
    Path tmp;

    private static final LayerPlan PLAN = LayerPlan.enforced(SeccompLayer.NAME, new SeccompLayer.Settings(
            new QemuSandbox(List.of(QemuSandbox.Group.OBSOLETE)), true, SeccompLayer.DENY_EPERM, SeccompLayer.DENY_ENOSYS, true,
            SeccompLayer.DENY_SOCKET_FAMILIES, 2));

    @Test
    void passesWithEveryThreadFilteredTwice() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545), FakeProc.PID, 4243);
        LayerVerdict v = new SeccompLayer().verify(PLAN, p.view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertTrue(FakeProc.check(v, "filter rules (PTRACE_SECCOMP_GET_FILTER)").observed().startsWith("not observable"),
                "a fake tree never claims the rules");
    }

    @Test
    void failsWhenAThreadHasNoFilter() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545), FakeProc.PID, 4243)
                .thread(4243, FakeProc.confinedStatus(65545), "Seccomp", "0");
        assertEquals(List.of("thread 4243: Seccomp mode"), failed(new SeccompLayer().verify(PLAN, p.view())));
    }

    @Test
    void failsWhenAFilterIsMissing() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545), FakeProc.PID)
                .thread(FakeProc.PID, FakeProc.confinedStatus(65545), "Seccomp_filters", "1");
        assertEquals(List.of("thread 4242: Seccomp_filters"), failed(new SeccompLayer().verify(PLAN, p.view())));
    }

    /** BPF: A = nr; each of {@code nrs} → ERRNO(EPERM); else ALLOW (SeccompEval's instruction set). */
    private static long[] denying(List<String> names) {
        List<Long> p = new ArrayList<>(List.of(insn(0x20, 0, 0, 0)));
        for (String n : names) {
            p.add(insn(0x15, 0, 1, dev.dmjail.toolstack.sys.LibSeccomp.syscallNumber(n)));
            p.add(insn(0x06, 0, 0, 0x00050001));
        }
        p.add(insn(0x06, 0, 0, 0x7fff0000));
        return p.stream().mapToLong(Long::longValue).toArray();
    }

    private static long insn(int code, int jt, int jf, int k) {
        return (code & 0xffffL) | ((jt & 0xffL) << 16) | ((jf & 0xffL) << 24) | ((k & 0xffffffffL) << 32);
    }

    private static SeccompLayer.Settings sandboxOnly(QemuSandbox sandbox) {
        return new SeccompLayer.Settings(sandbox, false, List.of(), List.of(), false, List.of(), 1);
    }

    /** Which -sandbox groups the audit checks comes from the plan's record, not from the argv. */
    @Test
    void theSandboxGroupsCheckedAreThePlannedOnes() {
        SeccompFilters.Dump obsoleteOnly = new SeccompFilters.Dump(List.of(denying(List.of("sysfs", "ustat"))), null);
        List<LayerVerdict.Check> pass = SeccompLayer.filtersInForce(
                sandboxOnly(new QemuSandbox(List.of(QemuSandbox.Group.OBSOLETE))), obsoleteOnly);
        assertTrue(pass.get(0).ok(), pass.toString());
        assertEquals("QEMU -sandbox on,obsolete=deny,elevateprivileges=allow,spawn=allow,resourcecontrol=allow in force",
                pass.get(0).what());
        List<LayerVerdict.Check> fail = SeccompLayer.filtersInForce(sandboxOnly(QemuSandbox.forBackend(false)), obsoleteOnly);
        assertTrue(!fail.get(0).ok() && fail.get(0).observed().contains("spawn:fork")
                && fail.get(0).observed().contains("elevateprivileges:setuid"), fail.toString());
        // the xen backend's sandbox allows elevateprivileges: a filter without setuid denied is enough there
        long[] xenLike = denying(List.of("sysfs", "ustat", "fork", "vfork", "execve", "setpriority", "sched_setscheduler",
                "sched_setaffinity"));
        List<LayerVerdict.Check> xen = SeccompLayer.filtersInForce(sandboxOnly(QemuSandbox.forBackend(true)),
                new SeccompFilters.Dump(List.of(xenLike), null));
        assertTrue(xen.get(0).ok(), xen.toString());
    }

    @Test
    void theSandboxOptionIsWrittenFromTheGroups() {
        assertEquals("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
                QemuSandbox.forBackend(false).optionValue());
        assertEquals("on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny",
                QemuSandbox.forBackend(true).optionValue());
    }

    /** Every syscall: ERRNO(EPERM). */
    private static long[] denyAll() { return new long[] {insn(0x06, 0, 0, 0x00050001)}; }

    /** Every syscall: ALLOW. */
    private static long[] allowAll() { return new long[] {insn(0x06, 0, 0, 0x7fff0000)}; }

    @Test
    void theVerdictOfAFilterStackIsSharedByContentOnly() {
        // issue 14: audit --all evaluates each distinct (settings, filters) once; equal content in other
        // arrays gets the same checks, and a stack that differs in one instruction is evaluated anew
        SeccompLayer.Settings s = PLAN.settingsAs(SeccompLayer.Settings.class);
        var denied = SeccompLayer.filtersInForce(s, new dev.dmjail.toolstack.proc.SeccompFilters.Dump(List.of(denyAll()), null));
        assertTrue(denied.stream().allMatch(LayerVerdict.Check::ok), denied.toString());
        var again = SeccompLayer.filtersInForce(s, new dev.dmjail.toolstack.proc.SeccompFilters.Dump(List.of(denyAll()), null));
        assertEquals(denied, again);
        var open = SeccompLayer.filtersInForce(s, new dev.dmjail.toolstack.proc.SeccompFilters.Dump(List.of(allowAll()), null));
        assertTrue(open.stream().noneMatch(LayerVerdict.Check::ok), open.toString());
        var stacked = SeccompLayer.filtersInForce(s,
                new dev.dmjail.toolstack.proc.SeccompFilters.Dump(List.of(allowAll(), denyAll()), null));
        assertTrue(stacked.stream().allMatch(LayerVerdict.Check::ok), stacked.toString());
    }
}
