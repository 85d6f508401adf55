package dev.jxen.xenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's semantics as C xenstored has them: nodes, permissions, quotas, transactions, watches. */
class StoreTest {
    private Xenstored xs;
    private XsClient dom0;
    private Guest guest;

    @BeforeEach
    void setUp() {
        xs = new Xenstored(null);
        dom0 = xs.dom0();
        // The toolstack's layout for domain 5: its home readable by it, data/ its own.
        dom0.mkdir("/local/domain/5");
        dom0.setPerms("/local/domain/5", XsPermission.none(0), XsPermission.read(5));
        dom0.mkdir("/local/domain/5/data");
        dom0.setPerms("/local/domain/5/data", XsPermission.none(5));
        guest = new Guest(xs.core(), 5);
    }

    @AfterEach
    void tearDown() {
        xs.close();
    }

    @Test
    void writeCreatesMissingParentsWithEmptyValues() {
        dom0.write("/a/b/c", "v");
        assertThat(dom0.read("/a/b/c")).isEqualTo("v");
        assertThat(dom0.read("/a/b")).isEmpty();
        assertThat(dom0.directory("/a")).containsExactly("b");
        assertThat(dom0.read("/a/x")).isNull();
        assertThat(dom0.directory("/")).containsExactly("tool", "local", "a");
    }

    @Test
    void mkdirKeepsAnExistingValueAndRmRemovesASubtree() {
        dom0.write("/a/b", "keep");
        dom0.mkdir("/a/b");
        assertThat(dom0.read("/a/b")).isEqualTo("keep");
        dom0.write("/a/b/c/d", "x");
        dom0.rm("/a/b");
        assertThat(dom0.read("/a/b/c/d")).isNull();
        assertThat(dom0.directory("/a")).isEmpty();
        dom0.rm("/a/nothing"); // absent with an existing parent: fine
        assertThatThrownBy(() -> dom0.rm("/nothing/at/all")).isInstanceOf(XsException.class).hasMessage("ENOENT");
        assertThatThrownBy(() -> dom0.rm("/")).hasMessage("EINVAL");
    }

    @Test
    void valuesMayHoldAnyBytesAndChildrenKeepCreationOrder() {
        assertThat(guest.call(Wire.WRITE, 0, "data/bin\0a\0b".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))).isEqualTo("OK|");
        assertThat(guest.read("data/bin")).isEqualTo("a|b");
        for (String n : new String[] {"zeta", "alpha", "mid"}) {
            dom0.write("/order/" + n, "");
        }
        assertThat(dom0.directory("/order")).containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void malformedPathsAreEinval() {
        for (String bad : new String[] {"/a//b", "/a/", "/a b", "/a/é", "", "@special"}) {
            assertThat(guest.read(bad)).as(bad).isEqualTo("!EINVAL");
        }
        assertThat(guest.call(Wire.READ, 0, "/a\0b\0")).as("two strings for one").isEqualTo("!EINVAL");
        assertThat(guest.call(Wire.READ, 0, new byte[] {'/', 'a'})).as("no nul").isEqualTo("!EINVAL");
    }

    @Test
    void relativePathsAreUnderTheDomainsHome() {
        assertThat(guest.write("data/x", "1")).isEqualTo("OK|");
        assertThat(dom0.read("/local/domain/5/data/x")).isEqualTo("1");
        assertThat(guest.call(Wire.GET_DOMAIN_PATH, 0, "5")).isEqualTo("/local/domain/5|");
    }

    @Test
    void permissionsDecideWhatAGuestSeesAndErrnosGiveNothingAway() {
        dom0.write("/secret/key", "s");
        assertThat(guest.read("/secret/key")).isEqualTo("!EACCES");
        // Absent below an unreadable parent: EACCES too, not ENOENT.
        assertThat(guest.read("/secret/none")).isEqualTo("!EACCES");
        // Absent below a readable parent: ENOENT.
        assertThat(guest.read("/local/domain/5/none")).isEqualTo("!ENOENT");
        // Its home is read-only to it: it may not create nodes there, only in data/.
        assertThat(guest.write("/local/domain/5/x", "1")).isEqualTo("!EACCES");
        assertThat(guest.write("data/mine", "1")).isEqualTo("OK|");
        // Another domain's home is invisible.
        dom0.write("/local/domain/6/name", "other");
        assertThat(guest.read("/local/domain/6/name")).isEqualTo("!EACCES");
        // An entry for the domain overrides the default of the first entry.
        dom0.setPerms("/local/domain/6/name", XsPermission.read(0), XsPermission.none(5));
        assertThat(guest.read("/local/domain/6/name")).isEqualTo("!EACCES");
        assertThat(new Guest(xs.core(), 7).read("/local/domain/6/name")).isEqualTo("other");
    }

    @Test
    void newNodesInheritTheParentsPermissionsAndAGuestOwnsWhatItCreates() {
        dom0.mkdir("/shared");
        dom0.setPerms("/shared", XsPermission.none(0), XsPermission.both(5));
        dom0.write("/shared/by-dom0", "x");
        assertThat(dom0.getPerms("/shared/by-dom0")).containsExactly(XsPermission.none(0), XsPermission.both(5));
        assertThat(guest.write("/shared/by-guest/deep", "y")).isEqualTo("OK|");
        assertThat(dom0.getPerms("/shared/by-guest")).containsExactly(XsPermission.none(5), XsPermission.both(5));
        assertThat(guest.call(Wire.GET_PERMS, 0, "/shared/by-guest/deep")).isEqualTo("n5|b5|");
    }

    @Test
    void onlyTheOwnerSetsPermissionsAndAGuestCannotGiveANodeAway() {
        guest.write("data/x", "1");
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/x", "n5", "r6")).isEqualTo("OK|");
        assertThat(dom0.getPerms("/local/domain/5/data/x")).containsExactly(XsPermission.none(5), XsPermission.read(6));
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/x", "n6")).isEqualTo("!EPERM");
        assertThat(guest.call(Wire.SET_PERMS, 0, "/local/domain/5", "b5")).isEqualTo("!EACCES");
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/x", "q5")).isEqualTo("!EINVAL");
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/x")).isEqualTo("!EINVAL");
        dom0.setPerms("/local/domain/5/data/x", XsPermission.none(9));
        assertThat(dom0.getPerms("/local/domain/5/data/x")).containsExactly(XsPermission.none(9));
    }

    @Test
    void permissionDomidsAreReadAsCsStrtolReadsThem() {
        guest.write("data/x", "1");
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/x", "n5", "r010", "w0x1f", "b+7")).isEqualTo("OK|");
        assertThat(guest.call(Wire.GET_PERMS, 0, "data/x")).isEqualTo("n5|r8|w31|b7|");
        for (String bad : new String[] {"r08", "r0x", "r5x", "r", "r 5 "}) {
            assertThat(guest.call(Wire.SET_PERMS, 0, "data/x", "n5", bad)).as(bad).isEqualTo("!EINVAL");
        }
    }

    @Test
    void privilegedRequestsAreRefusedToGuestsAndUnknownTypesAreEnosys() {
        assertThat(guest.call(Wire.INTRODUCE, 0, "6", "1234", "1")).isEqualTo("!EACCES");
        assertThat(guest.call(Wire.RELEASE, 0, "6")).isEqualTo("!EACCES");
        assertThat(guest.call(Wire.IS_DOMAIN_INTRODUCED, 0, "6")).isEqualTo("!EACCES");
        assertThat(guest.call(Wire.SET_TARGET, 0, "6", "5")).isEqualTo("!EACCES");
        assertThat(guest.call(Wire.CONTROL, 0, "help")).isEqualTo("!EACCES");
        assertThat(guest.call(99, 0, "x")).isEqualTo("!ENOSYS");
        assertThat(guest.call(Wire.WATCH_EVENT, 0, "x")).isEqualTo("!ENOSYS");
        assertThat(dom0.isDomainIntroduced(6)).isFalse();
    }

    // ---- quotas ----

    @Test
    void aGuestMayOwnAtMost1000Nodes() {
        int owned = xs.core().tree.nodesOwnedBy(5); // data/ already
        int i = 0;
        // 40 to a directory: one directory's child list would reach the node-size quota first.
        while (guest.write("data/d" + i / 40 + "/n" + i, "").equals("OK|")) {
            i++;
            assertThat(i).isLessThan(2000);
        }
        int directories = (i + 39) / 40;
        assertThat(owned + i + directories).isEqualTo(Core.QUOTA_NODES);
        assertThat(guest.write("data/d0/another", "")).isEqualTo("!ENOSPC");
        // A write that needs two new nodes fails whole when only one is left.
        guest.call(Wire.RM, 0, "data/d0/n0");
        assertThat(guest.write("data/two/nodes", "")).isEqualTo("!ENOSPC");
        assertThat(dom0.read("/local/domain/5/data/two")).isNull();
        assertThat(guest.write("data/d0/n0", "")).isEqualTo("OK|");
        // dom0 has no quota.
        for (int k = 0; k < 1100; k++) {
            dom0.write("/dom0/d" + k / 40 + "/n" + k, "");
        }
    }

    @Test
    void aDirectoryOfAGuestIsLimitedByTheNodeSizeQuota() {
        int i = 0;
        while (guest.write("data/n" + i, "").equals("OK|")) {
            i++;
        }
        // Each child name adds its length and a nul to the parent's accounted size.
        assertThat(guest.write("data/n" + i, "")).isEqualTo("!ENOSPC");
        assertThat(xs.core().tree.get("/local/domain/5/data").accountedSize()).isLessThanOrEqualTo(Core.QUOTA_NODE_SIZE);
        assertThat(i).isGreaterThan(300);
    }

    @Test
    void nodeSizeIsLimitedTo2048BytesForGuests() {
        String big = "x".repeat(2100);
        assertThat(guest.write("data/big", big)).isEqualTo("!ENOSPC");
        assertThat(guest.write("data/ok", "x".repeat(1900))).isEqualTo("OK|");
        dom0.write("/dom0/big", big);
        assertThat(dom0.read("/dom0/big")).hasSize(2100);
    }

    @Test
    void pathLengthIsLimitedBelowTheDomainsHome() {
        String longRel = "data/" + "a".repeat(2048);
        assertThat(guest.write(longRel, "")).isEqualTo("!EINVAL");
        assertThat(guest.write("data/" + "a".repeat(2000), "")).isEqualTo("OK|");
    }

    @Test
    void watchesPerGuestAreLimited() {
        int i = 0;
        String r;
        while ((r = guest.call(Wire.WATCH, 0, "data/w" + i, "t")).equals("OK|")) {
            i++;
            assertThat(i).isLessThan(500);
        }
        assertThat(r).isEqualTo("!E2BIG");
        assertThat(i).isEqualTo(Core.QUOTA_WATCHES + 1); // C xenstored refuses once more than the quota exist
    }

    @Test
    void transactionsPerGuestAreLimited() {
        // C xenstored refuses a start once more than the quota are open, as for watches.
        for (int i = 0; i < Core.QUOTA_TRANSACTIONS + 1; i++) {
            assertThat(guest.call(Wire.TRANSACTION_START, 0, "")).matches("[0-9]+\\|");
        }
        assertThat(guest.call(Wire.TRANSACTION_START, 0, "")).isEqualTo("!ENOSPC");
    }

    @Test
    void aTransactionThatHitTheAccessedNodesQuotaCannotCommit() {
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        String r = "";
        int i = 0;
        while (!r.equals("!ENOSPC")) {
            r = guest.call(Wire.READ, tx, "data/n" + i++);
            assertThat(i).isLessThan(2000);
        }
        assertThat(i).isGreaterThan(1000);
        assertThat(guest.call(Wire.WRITE, tx, "data/w\0v".getBytes())).isEqualTo("!ENOSPC");
        // As C xenstored: the transaction is marked failed and its commit is ENOMEM.
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("!ENOMEM");
        assertThat(dom0.read("/local/domain/5/data/w")).isNull();
    }

    @Test
    void permissionListsAreLimitedForGuests() {
        guest.write("data/p", "");
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/p", "n5", "r1", "r2", "r3", "r4", "r6")).isEqualTo("!ENOSPC");
        assertThat(guest.call(Wire.SET_PERMS, 0, "data/p", "n5", "r1", "r2", "r3", "r4")).isEqualTo("OK|");
    }

    // ---- transactions ----

    @Test
    void aTransactionsChangesAreInvisibleUntilItCommits() {
        try (XsTransaction t = dom0.transactionStart()) {
            t.write("/tx/a", "1");
            assertThat(t.read("/tx/a")).isEqualTo("1");
            assertThat(dom0.read("/tx/a")).isNull();
            assertThat(t.commit()).isTrue();
        }
        assertThat(dom0.read("/tx/a")).isEqualTo("1");
        try (XsTransaction t = dom0.transactionStart()) {
            t.write("/tx/b", "2");
        } // closed without commit: aborted
        assertThat(dom0.read("/tx/b")).isNull();
    }

    @Test
    void aConflictingWriteMakesTheCommitEagainAndNothingIsApplied() {
        dom0.write("/tx/counter", "1");
        XsTransaction t = dom0.transactionStart();
        String v = t.read("/tx/counter");
        t.write("/tx/counter", Integer.parseInt(v) + 1 + "");
        t.write("/tx/other", "x");
        dom0.write("/tx/counter", "10"); // someone else, between read and commit
        assertThat(t.commit()).isFalse();
        assertThat(dom0.read("/tx/counter")).isEqualTo("10");
        assertThat(dom0.read("/tx/other")).isNull();
        // Retried, it succeeds.
        try (XsTransaction t2 = dom0.transactionStart()) {
            t2.write("/tx/counter", Integer.parseInt(t2.read("/tx/counter")) + 1 + "");
            assertThat(t2.commit()).isTrue();
        }
        assertThat(dom0.read("/tx/counter")).isEqualTo("11");
    }

    @Test
    void readingAnAbsentNodeConflictsWithItsCreationButUnrelatedWritesDoNot() {
        dom0.mkdir("/tx1");
        dom0.mkdir("/tx2");
        XsTransaction t = dom0.transactionStart();
        assertThat(t.read("/tx1/flag")).isNull();
        t.write("/tx1/result", "seen-no-flag");
        dom0.write("/elsewhere", "unrelated");
        XsTransaction t2 = dom0.transactionStart();
        assertThat(t2.read("/tx2/flag")).isNull();
        t2.write("/tx2/result", "seen-no-flag");
        dom0.write("/tx2/flag", "now");
        assertThat(t.commit()).isTrue();
        assertThat(t2.commit()).isFalse();
        assertThat(dom0.read("/tx1/result")).isEqualTo("seen-no-flag");
        assertThat(dom0.read("/tx2/result")).isNull();
    }

    @Test
    void transactionErrorsOnTheWire() {
        String id = guest.call(Wire.TRANSACTION_START, 0, "").replace("|", "");
        int tx = Integer.parseInt(id);
        assertThat(guest.call(Wire.TRANSACTION_START, tx, "")).isEqualTo("!EBUSY");
        assertThat(guest.call(Wire.READ, tx + 100, "data")).isEqualTo("!ENOENT");
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "X")).isEqualTo("!EINVAL");
        assertThat(guest.call(Wire.TRANSACTION_END, 0, "T")).isEqualTo("!ENOENT");
        assertThat(guest.call(Wire.WRITE, tx, ("data/t\0v").getBytes())).isEqualTo("OK|");
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("!ENOENT");
        assertThat(dom0.read("/local/domain/5/data/t")).isEqualTo("v");
    }

    // ---- watches ----

    @Test
    void aWatchFiresOnceAtOnceThenForChangesBelowIt() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        dom0.watch("/w", "tok", (p, t) -> seen.add(p + " " + t));
        await(seen, 1);
        assertThat(seen).containsExactly("/w tok");
        dom0.write("/w/a/b", "1");
        dom0.write("/wx", "not below /w");
        dom0.setPerms("/w/a/b", XsPermission.read(0));
        dom0.rm("/w/a");
        await(seen, 4);
        assertThat(seen).containsExactly("/w tok", "/w/a/b tok", "/w/a/b tok", "/w/a tok");
        dom0.unwatch("/w", "tok");
        dom0.write("/w/c", "1");
        Thread.sleep(50);
        assertThat(seen).hasSize(4);
        assertThatThrownBy(() -> dom0.unwatch("/w", "tok")).hasMessage("ENOENT");
    }

    @Test
    void aGuestsWatchesOnTheWire() {
        assertThat(guest.call(Wire.WATCH, 0, "data", "rel")).isEqualTo("OK|");
        assertThat(guest.call(Wire.WATCH, 0, "data", "rel")).isEqualTo("!EEXIST");
        assertThat(guest.call(Wire.WATCH, 0, "/local/domain/5/data/x", "abs")).isEqualTo("OK|");
        assertThat(guest.events).containsExactly("data|rel", "/local/domain/5/data/x|abs");
        dom0.write("/local/domain/5/data/x", "1");
        // Relative watches get relative paths.
        assertThat(guest.events).containsExactly("data|rel", "/local/domain/5/data/x|abs", "data/x|rel",
                "/local/domain/5/data/x|abs");
        // Removing a parent fires for the watched node itself, not for the other nodes below.
        guest.events.clear();
        dom0.write("/local/domain/5/data/x/y", "1");
        guest.events.clear();
        dom0.rm("/local/domain/5/data/x");
        assertThat(guest.events).containsExactlyInAnyOrder("data/x|rel", "/local/domain/5/data/x|abs");
        assertThat(guest.call(Wire.UNWATCH, 0, "data", "nope")).isEqualTo("!ENOENT");
        assertThat(guest.call(Wire.WATCH, 0, "only-one-string")).isEqualTo("!EINVAL");
    }

    @Test
    void aGuestHearsNothingOfNodesItCannotRead() {
        assertThat(guest.call(Wire.WATCH, 0, "/", "all")).isEqualTo("OK|");
        guest.events.clear();
        dom0.write("/secret", "x");
        assertThat(guest.events).isEmpty();
        dom0.write("/local/domain/5/data/visible", "x");
        assertThat(guest.events).containsExactly("/local/domain/5/data/visible|all");
    }

    @Test
    void transactionWatchEventsFireAtCommit() {
        guest.call(Wire.WATCH, 0, "data", "t");
        guest.events.clear();
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        guest.call(Wire.WRITE, tx, "data/in-tx\0v".getBytes());
        assertThat(guest.events).isEmpty();
        guest.call(Wire.TRANSACTION_END, tx, "T");
        assertThat(guest.events).containsExactly("data/in-tx|t");
    }

    @Test
    void aTransactionFiresOneEventPerChangedNodeAtCommit() {
        guest.call(Wire.WATCH, 0, "data", "t");
        guest.events.clear();
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        guest.call(Wire.WRITE, tx, "data/x\0one".getBytes());
        guest.call(Wire.WRITE, tx, "data/y\0v".getBytes());
        guest.call(Wire.WRITE, tx, "data/x\0two".getBytes());
        guest.call(Wire.SET_PERMS, tx, "data/x", "n5", "r0");
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(guest.events).containsExactly("data/x|t", "data/y|t");
    }

    @Test
    void aNodeCreatedAndRemovedInOneTransactionFiresNothing() {
        guest.call(Wire.WATCH, 0, "data", "t");
        guest.events.clear();
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        guest.call(Wire.WRITE, tx, "data/tmp/deep\0v".getBytes());
        guest.call(Wire.RM, tx, "data/tmp");
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        // C xenstored checks a committed event against the node as it is after the commit (or its
        // permissions when the transaction first saw it): a node that never existed outside is no one's.
        assertThat(guest.events).isEmpty();
    }

    @Test
    void removingAPreexistingNodeInATransactionFiresAtCommit() {
        guest.write("data/old/child", "v");
        guest.call(Wire.WATCH, 0, "data", "t");
        guest.events.clear();
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        guest.call(Wire.RM, tx, "data/old");
        assertThat(guest.events).isEmpty();
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        // As outside a transaction: the removed node for watches on it or above, the rest exactly.
        assertThat(guest.events).containsExactly("data/old|t");
    }

    @Test
    void directoryPartInATransactionSeesANewGenerationAfterAChangeInIt() {
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        String before = guest.call(Wire.DIRECTORY_PART, tx, "data", "0");
        guest.call(Wire.WRITE, tx, "data/new\0v".getBytes());
        String after = guest.call(Wire.DIRECTORY_PART, tx, "data", "0");
        assertThat(after).endsWith("|new||");
        assertThat(generation(after)).isNotEqualTo(generation(before));
    }

    private static String generation(String directoryPart) {
        return directoryPart.substring(0, directoryPart.indexOf('|'));
    }

    @Test
    void domainRequestsAnswerAsCXenstoredForDom0AndDomidSelf() {
        XsClient c = xs.openClient();
        assertThatThrownBy(() -> c.call(Wire.RELEASE, 0, "0\0".getBytes())).hasMessage("EINVAL");
        assertThatThrownBy(() -> c.call(Wire.RESUME, 0, "0\0".getBytes())).hasMessage("EINVAL");
        assertThatThrownBy(() -> c.call(Wire.RELEASE, 0, "6\0".getBytes())).hasMessage("ENOENT");
        assertThat(c.isDomainIntroduced(0x7FF0)).as("DOMID_SELF").isTrue();
        assertThat(c.isDomainIntroduced(6)).isFalse();
    }

    @Test
    void specialWatchesReachDom0AndOnlyGuestsThePermissionsAllow() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        dom0.watch(Xenstored.RELEASE_DOMAIN, "rel", (p, t) -> seen.add(p));
        assertThat(guest.call(Wire.WATCH, 0, "@releaseDomain", "g")).isEqualTo("OK|");
        await(seen, 1);
        guest.events.clear();
        xs.core().fireSpecial(Xenstored.RELEASE_DOMAIN);
        await(seen, 2);
        assertThat(guest.events).isEmpty();
        dom0.setPerms(Xenstored.RELEASE_DOMAIN, XsPermission.none(0), XsPermission.read(5));
        guest.events.clear();
        xs.core().fireSpecial(Xenstored.RELEASE_DOMAIN);
        assertThat(guest.events).containsExactly("@releaseDomain|g");
        // A special path is no node of the tree: not readable, not below "/".
        assertThat(guest.call(Wire.READ, 0, "@releaseDomain")).isEqualTo("!EINVAL");
    }

    @Test
    void resetWatchesDropsWatchesAndTransactions() {
        guest.call(Wire.WATCH, 0, "data", "t");
        int tx = Integer.parseInt(guest.call(Wire.TRANSACTION_START, 0, "").replace("|", ""));
        assertThat(guest.call(Wire.RESET_WATCHES, 0, "")).isEqualTo("OK|");
        guest.events.clear();
        dom0.write("/local/domain/5/data/z", "");
        assertThat(guest.events).isEmpty();
        assertThat(guest.call(Wire.TRANSACTION_END, tx, "T")).isEqualTo("!ENOENT");
    }

    // ---- directory_part ----

    @Test
    void directoryPartReadsAListLongerThanOnePayload() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            names.add("child-with-a-long-name-" + i);
        }
        for (String n : names) {
            dom0.write("/many/" + n, "");
        }
        assertThat(guest.call(Wire.DIRECTORY, 0, "/many")).isEqualTo("!EACCES");
        // As a privileged tool: DIRECTORY is too long (E2BIG), DIRECTORY_PART reads it in pieces.
        XsClient c = xs.openClient();
        assertThatThrownBy(() -> c.directory("/many")).hasMessage("E2BIG");
        List<String> got = new ArrayList<>();
        String gen = null;
        int parts = 0;
        while (true) {
            byte[] r = c.call(Wire.DIRECTORY_PART, 0, ("/many\0" + offset(got) + "\0").getBytes());
            String[] s = Core.strings(r, r.length);
            if (gen == null) {
                gen = s[0];
            }
            assertThat(s[0]).isEqualTo(gen);
            parts++;
            boolean end = s.length > 1 && s[s.length - 1].isEmpty();
            for (int i = 1; i < s.length - (end ? 1 : 0); i++) {
                got.add(s[i]);
            }
            if (end) {
                break;
            }
        }
        assertThat(parts).isGreaterThan(1);
        assertThat(got).isEqualTo(names);
        byte[] past = c.call(Wire.DIRECTORY_PART, 0, "/many\0999999\0".getBytes());
        assertThat(new String(past)).isEqualTo(gen + "\0\0");
    }

    private static int offset(List<String> got) {
        int o = 0;
        for (String s : got) {
            o += s.length() + 1;
        }
        return o;
    }

    /** Waits (up to 5 s) until the watch callbacks, which run on the client's event thread, have added {@code n}. */
    static void await(List<String> list, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (list.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }
}
