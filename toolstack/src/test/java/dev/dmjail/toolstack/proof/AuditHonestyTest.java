package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, class 7: the audit proves what is in force, not what it counts. A device model that
 * ignores -sandbox and installs an allow-all filter of its own has as many filters as an honest one;
 * the audit runs the filters the kernel holds (PTRACE_SECCOMP_GET_FILTER) on syscalls of each denied
 * -sandbox group and fails it. The same device model with a stand-in that denies those groups passes.
 */
class AuditHonestyTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    private CliRun create(TestHost host, String name, String sandbox) throws Exception {
        Path hostile = ProofSupport.compile("hostile");
        Path cfg = host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32",
                "dm_restrict = 1", "vnc = 0", "device_model_override = \"" + hostile + "\"",
                "device_model_args = [ \"--only\", \"no-attack\", \"--stand-in-filter\", \"" + sandbox + "\" ]");
        return host.run("create", cfg.toString());
    }

    @Test
    void anAllowAllFilterInPlaceOfTheSandboxFailsTheAudit() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 30000");
        CliRun r = create(host, "pf-nosandbox", "allow-all");
        if (r.exit() == 0) {
            // a kernel without CONFIG_CHECKPOINT_RESTORE cannot show filters: the audit says so and
            // checks only their count; then this test cannot judge (a skip, with the reason)
            String audit = host.run("audit", "-a", "pf-nosandbox").out();
            host.run("destroy", "pf-nosandbox");
            org.junit.jupiter.api.Assumptions.assumeFalse(audit.contains("not observable"),
                    "this kernel does not show seccomp filters (PTRACE_SECCOMP_GET_FILTER): " + audit.lines()
                            .filter(l -> l.contains("not observable")).findFirst().orElse(""));
        }
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        assertTrue(r.err().contains("seccomp: QEMU -sandbox") && r.err().contains("ALLOWED: ")
                && r.err().contains("spawn:execve"), r.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-nosandbox", null));

        CliRun ok = create(host, "pf-sandbox", "stand-in");
        try {
            assertEquals(0, ok.exit(), ok.err());
            CliRun a = host.run("audit", "-a", "pf-sandbox");
            assertEquals(0, a.exit(), a.out());
            assertTrue(a.out().contains("launcher filter: planned denials in force") && a.out().contains("all denied"), a.out());
        } finally {
            host.run("destroy", "pf-sandbox");
        }
    }
}
