package dev.dmjail.uidrange;

import static dev.dmjail.uidrange.DeviceModelUsers.RANGE_BASE_USER;
import static dev.dmjail.uidrange.DeviceModelUsers.SHARED_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.dmjail.uidrange.ResolvedUser.Source;
import dev.dmjail.uidrange.UserResolutionException.Reason;

class DeviceModelUserResolverTest {

    private static InMemoryUserDatabase base() {
        return new InMemoryUserDatabase().user("root", 0, 0).group("root", 0)
                .user(RANGE_BASE_USER, 65536, 65536).group(RANGE_BASE_USER, 65536);
    }

    private static ResolvedUser resolve(UserDatabase db, Integer domid, boolean restrict, String user)
            throws UserResolutionException {
        return new DeviceModelUserResolver(db, false).resolve(domid, restrict, user);
    }

    private static UserResolutionException fails(UserDatabase db, Integer domid, boolean restrict, String user,
                                                 boolean allowRoot) {
        return assertThrows(UserResolutionException.class,
                () -> new DeviceModelUserResolver(db, allowRoot).resolve(domid, restrict, user));
    }

    @Test
    void rangeGivesBasePlusDomidForUidAndGid() throws Exception {
        ResolvedUser r = resolve(base(), 7, true, null);
        assertEquals(65543, r.uid());
        assertEquals(65543, r.gid());
        assertEquals(Source.RANGE, r.source());
        assertTrue(r.killByUid());
        assertTrue(r.dacInForce());
        assertEquals(65536, r.rangeBaseUid());
        assertEquals(65536, r.rangeBaseGid());
        assertEquals(RANGE_BASE_USER, r.userName());
        assertTrue(r.warnings().isEmpty());
    }

    @Test
    void rangeWithUnalignedBaseGidUsesLibxlSharedGidAndWarns() throws Exception {
        InMemoryUserDatabase db = new InMemoryUserDatabase().user(RANGE_BASE_USER, 65536, 65534)
                .group("nogroup", 65534);
        ResolvedUser r = resolve(db, 3, true, null);
        assertEquals(65539, r.uid());
        assertEquals(65534, r.gid());
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).contains("dmjail host install"), r.warnings().get(0));
    }

    @Test
    void rangeUidClashNamesTheUser() {
        InMemoryUserDatabase db = base().user("alice", 65541, 1000);
        UserResolutionException e = fails(db, 5, true, null, false);
        assertEquals(Reason.CLASH, e.reason());
        assertTrue(e.getMessage().contains("uid 65541"), e.getMessage());
        assertTrue(e.getMessage().contains("that is user alice"), e.getMessage());
    }

    @Test
    void rangeGidClashNamesTheGroup() {
        InMemoryUserDatabase db = base().group("docker", 65537);
        UserResolutionException e = fails(db, 1, true, null, false);
        assertEquals(Reason.CLASH, e.reason());
        assertTrue(e.getMessage().contains("that is group docker"), e.getMessage());
    }

    @Test
    void dryRunWithUnknownDomidDefersIdsButChecksBase() throws Exception {
        ResolvedUser r = resolve(base(), null, true, null);
        assertNull(r.uid());
        assertNull(r.gid());
        assertTrue(r.isDeferred());
        assertEquals(Source.RANGE, r.source());
        assertEquals(65536, r.rangeBaseUid());
        assertEquals(65536, r.rangeBaseGid());
        assertTrue(r.describe().startsWith("base+domid"), r.describe());
    }

    @Test
    void dryRunWithoutBaseStillFallsBackOrFails() throws Exception {
        InMemoryUserDatabase shared = new InMemoryUserDatabase().user(SHARED_USER, 990, 990);
        assertEquals(Source.SHARED, resolve(shared, null, true, null).source());
        assertEquals(Reason.NOT_PROVISIONED, fails(new InMemoryUserDatabase(), null, true, null, false).reason());
    }

    @Test
    void missingBaseFallsBackToSharedWithWarningAndNoKillByUid() throws Exception {
        InMemoryUserDatabase db = new InMemoryUserDatabase().user(SHARED_USER, 990, 991);
        ResolvedUser r = resolve(db, 4, true, null);
        assertEquals(990, r.uid());
        assertEquals(991, r.gid());
        assertEquals(Source.SHARED, r.source());
        assertFalse(r.killByUid());
        assertTrue(r.dacInForce());
        assertNull(r.rangeBaseUid());
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).contains("falling back to " + SHARED_USER), r.warnings().get(0));
    }

    @Test
    void sharedUserWithUidZeroIsRefused() {
        InMemoryUserDatabase db = new InMemoryUserDatabase().user(SHARED_USER, 0, 0);
        assertEquals(Reason.ROOT_REFUSED, fails(db, 4, true, null, false).reason());
    }

    @Test
    void nothingProvisionedRefusesNamingTheInstallCommand() {
        UserResolutionException e = fails(new InMemoryUserDatabase().user("root", 0, 0), 2, true, null, false);
        assertEquals(Reason.NOT_PROVISIONED, e.reason());
        assertTrue(e.getMessage().contains("dmjail host install"), e.getMessage());
        assertTrue(e.getMessage().contains(RANGE_BASE_USER), e.getMessage());
        assertTrue(e.getMessage().contains(SHARED_USER), e.getMessage());
    }

    @Test
    void nothingProvisionedWithRootFallbackPolicyRunsAsRootWithoutDac() throws Exception {
        ResolvedUser r = new DeviceModelUserResolver(new InMemoryUserDatabase(), true).resolve(2, true, null);
        assertEquals(0, r.uid());
        assertEquals(0, r.gid());
        assertEquals(Source.ROOT, r.source());
        assertFalse(r.dacInForce());
        assertFalse(r.killByUid());
        assertTrue(r.warnings().get(0).contains("DAC is NOT in force"), r.warnings().get(0));
        assertTrue(r.describe().contains("DAC NOT in force"), r.describe());
    }

    @Test
    void rootFallbackPolicyDoesNotOverrideAProvisionedRange() throws Exception {
        ResolvedUser r = new DeviceModelUserResolver(base(), true).resolve(2, true, null);
        assertEquals(Source.RANGE, r.source());
        assertEquals(65538, r.uid());
    }

    @Test
    void noRestrictNoUserIsLegacyRoot() throws Exception {
        ResolvedUser r = resolve(base(), 9, false, null);
        assertEquals(0, r.uid());
        assertEquals(Source.ROOT, r.source());
        assertFalse(r.dacInForce());
        assertFalse(r.killByUid());
        assertTrue(r.warnings().isEmpty());
    }

    @Test
    void explicitUserWinsOverRangeWithRestrict() throws Exception {
        InMemoryUserDatabase db = base().user("qemu", 120, 130);
        ResolvedUser r = resolve(db, 9, true, "qemu");
        assertEquals(120, r.uid());
        assertEquals(130, r.gid());
        assertEquals("qemu", r.userName());
        assertEquals(Source.EXPLICIT, r.source());
        // libxl sets kill_by_uid for device_model_user; a tenant's config could name a user that
        // runs other things, so dmjail kills by uid only inside the range.
        assertFalse(r.killByUid(), "uid 120 is not in the device-model range");
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("never by uid")), r.warnings().toString());
        assertTrue(r.dacInForce());
        assertNull(r.rangeBaseUid());
    }

    @Test
    void explicitUserInsideTheRangeIsKilledByUidAndTheBaseIsRefused() throws Exception {
        InMemoryUserDatabase db = base().user("dm7", 65536 + 7, 65536 + 7);
        ResolvedUser r = resolve(db, 9, true, "dm7");
        assertTrue(r.killByUid());
        UserResolutionException e = fails(base(), 9, true, "xen-qemuuser-range-base", false);
        assertTrue(e.getMessage().contains("whose uid reaps device models"), e.getMessage());
    }

    @Test
    void explicitUserIsUsedWithoutRestrictToo() throws Exception {
        ResolvedUser r = resolve(new InMemoryUserDatabase().user("qemu", 120, 130), 9, false, "qemu");
        assertEquals(Source.EXPLICIT, r.source());
        assertEquals(120, r.uid());
    }

    @Test
    void explicitUnknownUserIsAnErrorNamingIt() {
        UserResolutionException e = fails(base(), 3, true, "no-such-qemu", false);
        assertEquals(Reason.UNKNOWN_USER, e.reason());
        assertTrue(e.getMessage().contains("\"no-such-qemu\""), e.getMessage());
        assertEquals(Reason.UNKNOWN_USER, fails(base(), 3, false, "no-such-qemu", false).reason());
    }

    @Test
    void explicitUidZeroIsRefusedWithRestrict() {
        InMemoryUserDatabase db = base().user("toor", 0, 0);
        UserResolutionException e = fails(db, 3, true, "toor", true);
        assertEquals(Reason.ROOT_REFUSED, e.reason());
        assertTrue(e.getMessage().contains("toor"), e.getMessage());
        assertEquals(Reason.ROOT_REFUSED, fails(db, 3, true, "root", false).reason());
    }

    @Test
    void explicitUidZeroIsRefusedWithoutRestrictLikeLibxl() {
        assertEquals(Reason.ROOT_REFUSED, fails(base(), 3, false, "root", false).reason());
    }

    @Test
    void explicitUserWithRootGroupWarns() throws Exception {
        ResolvedUser r = resolve(new InMemoryUserDatabase().user("q", 500, 0), 3, true, "q");
        assertEquals(2, r.warnings().size(), r.warnings().toString()); // root group; not killed by uid
        assertTrue(r.warnings().get(0).contains("primary gid 0"), r.warnings().toString());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 32752, 0x7FF0, 65535})
    void domidOutsideRangeIsRefused(int domid) {
        assertEquals(Reason.DOMID_OUT_OF_RANGE, fails(base(), domid, true, null, false).reason());
        assertEquals(Reason.DOMID_OUT_OF_RANGE, fails(base(), domid, false, null, false).reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 32751})
    void domidBoundsAreAccepted(int domid) throws Exception {
        ResolvedUser r = resolve(base(), domid, true, null);
        assertEquals(65536 + domid, r.uid());
        assertEquals(65536 + domid, r.gid());
    }

    @Test
    void baseUidThatOverflowsTheIdSpaceIsRefused() {
        InMemoryUserDatabase db = new InMemoryUserDatabase().user(RANGE_BASE_USER, (int) 0xFFFF_FF00L, 1);
        assertEquals(Reason.BAD_RANGE, fails(db, 1, true, null, false).reason());
        InMemoryUserDatabase zero = new InMemoryUserDatabase().user(RANGE_BASE_USER, 0, 0);
        assertEquals(Reason.BAD_RANGE, fails(zero, 1, true, null, false).reason());
    }

    @Test
    void constantsMatchLibxl() {
        assertEquals(32752, DeviceModelUsers.RANGE_SIZE);
        assertEquals(32751, DeviceModelUsers.MAX_DOMID);
        assertEquals("xen-qemuuser-range-base", RANGE_BASE_USER);
        assertEquals("xen-qemuuser-shared", SHARED_USER);
    }
}
