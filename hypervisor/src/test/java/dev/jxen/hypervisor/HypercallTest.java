package dev.jxen.hypervisor;

import static dev.jxen.abi.XenErrno.EEXIST;
import static dev.jxen.abi.XenErrno.EFAULT;
import static dev.jxen.abi.XenErrno.EINVAL;
import static dev.jxen.abi.XenErrno.ENOENT;
import static dev.jxen.abi.XenErrno.ENOSYS;
import static dev.jxen.abi.XenErrno.EOPNOTSUPP;
import static dev.jxen.abi.XenErrno.EPERM;
import static dev.jxen.abi.XenErrno.ETIME;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.Hypercall;
import dev.jxen.abi.SharedInfo;
import dev.jxen.machine.CpuState;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each hypercall's happy path and Xen's errno for bad arguments, made by a guest with {@code syscall}. */
class HypercallTest {
    static final long A = HypercallRunner.ARGS;
    static final long UNMAPPED = 0x4000_0000L;

    private static String cString(TestGuest g, long va, int max) {
        byte[] b = new byte[max];
        for (int i = 0; i < max; i++) {
            b[i] = g.memory.read8(g.ma(va + i));
        }
        int n = 0;
        while (n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    @Test
    void xenVersion() throws Exception {
        try (TestGuest g = new TestGuest()) {
            HypercallRunner r = new HypercallRunner(g);
            int version = r.call(Hypercall.XEN_VERSION, 0, 0);
            int extra = r.call(Hypercall.XEN_VERSION, 1, A);
            int caps = r.call(Hypercall.XEN_VERSION, 3, A + 0x100);
            g.write32(A + 0x800, 0);
            int features = r.call(Hypercall.XEN_VERSION, 6, A + 0x800);
            g.write32(A + 0x808, 1);
            int features1 = r.call(Hypercall.XEN_VERSION, 6, A + 0x808);
            int pagesize = r.call(Hypercall.XEN_VERSION, 7, 0);
            int params = r.call(Hypercall.XEN_VERSION, 5, A + 0x810);
            int compile = r.call(Hypercall.XEN_VERSION, 2, A + 0x900);
            int fault = r.call(Hypercall.XEN_VERSION, 1, UNMAPPED);
            int unknown = r.call(Hypercall.XEN_VERSION, 99, 0);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(version)).isEqualTo(0x0004_0011L);
            assertThat(r.result(extra)).isZero();
            assertThat(cString(g, A, 16)).startsWith(".7");
            assertThat(r.result(caps)).isZero();
            assertThat(cString(g, A + 0x100, 1024)).contains("xen-3.0-x86_64");
            assertThat(r.result(features)).isZero();
            assertThat(g.read32(A + 0x804)).as("preserve_ad, highmem_assist, gnttab_map_avail_bits, vnode")
                    .isEqualTo(0x20E0);
            assertThat(r.result(features1)).isEqualTo(-EINVAL);
            assertThat(r.result(pagesize)).isEqualTo(4096);
            assertThat(r.result(params)).isZero();
            assertThat(g.read64(A + 0x810)).isEqualTo(0xFFFF_8000_0000_0000L);
            assertThat(r.result(compile)).isZero();
            assertThat(cString(g, A + 0x900 + 64, 16)).isNotEmpty();
            assertThat(r.result(fault)).isEqualTo(-EFAULT);
            assertThat(r.result(unknown)).isEqualTo(-ENOSYS);
        }
    }

    @Test
    void consoleIo() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.load(A, "abc".getBytes());
            g.domain.sendConsoleInput("typed".getBytes());
            HypercallRunner r = new HypercallRunner(g);
            int write = r.call(Hypercall.CONSOLE_IO, 0, 3, A);
            int read = r.call(Hypercall.CONSOLE_IO, 1, 16, A + 0x100);
            int badBuf = r.call(Hypercall.CONSOLE_IO, 0, 3, UNMAPPED);
            int badCmd = r.call(Hypercall.CONSOLE_IO, 7, 0, 0);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.console.toString()).isEqualTo("abc");
            assertThat(r.result(write)).isZero();
            assertThat(r.result(read)).isEqualTo(5);
            assertThat(cString(g, A + 0x100, 5)).isEqualTo("typed");
            assertThat(r.result(badBuf)).isEqualTo(-EFAULT);
            assertThat(r.result(badCmd)).isEqualTo(-ENOSYS);
        }
    }

    @Test
    void memoryOp() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write32(A, 0x7FF0); // DOMID_SELF
            g.write32(A + 8, 0); // dom0: not ours
            g.write32(A + 0x100, 4); // memory_map capacity
            g.write64(A + 0x108, A + 0x200);
            HypercallRunner r = new HypercallRunner(g);
            int maxRam = r.call(Hypercall.MEMORY_OP, 2, 0);
            int cur = r.call(Hypercall.MEMORY_OP, 3, A);
            int max = r.call(Hypercall.MEMORY_OP, 4, A);
            int other = r.call(Hypercall.MEMORY_OP, 3, A + 8);
            int machphys = r.call(Hypercall.MEMORY_OP, 12, A + 0x40);
            int map = r.call(Hypercall.MEMORY_OP, 9, A + 0x100);
            int machineMap = r.call(Hypercall.MEMORY_OP, 10, A + 0x100);
            int unknown = r.call(Hypercall.MEMORY_OP, 63, 0);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(maxRam)).isEqualTo(g.memory.frameCount());
            assertThat(r.result(cur)).isEqualTo(TestGuest.PAGES);
            assertThat(r.result(max)).isEqualTo(TestGuest.PAGES);
            assertThat(r.result(other)).isEqualTo(-EPERM);
            assertThat(r.result(machphys)).isZero();
            assertThat(g.read64(A + 0x40)).isEqualTo(0xFFFF_8000_0000_0000L);
            assertThat(g.read64(A + 0x48)).isEqualTo(0xFFFF_8040_0000_0000L);
            assertThat(r.result(map)).isZero();
            assertThat(g.read32(A + 0x100)).isEqualTo(1);
            assertThat(g.read64(A + 0x200)).isZero();
            assertThat(g.read64(A + 0x208)).isEqualTo(TestGuest.PAGES * 4096L);
            assertThat(g.read32(A + 0x210)).isEqualTo(1);
            assertThat(r.result(machineMap)).isEqualTo(-EPERM);
            assertThat(r.result(unknown)).isEqualTo(-ENOSYS);
        }
    }

    @Test
    void reservationsShrinkAndGrowWithinTheMaximum() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long spare = TestGuest.LAST_DATA_PFN;
            g.memory.write64(g.pteMa(spare << 12), 0); // unmap the last page so it can be given back
            g.write64(A + 0x100, g.mfn(spare)); // decrease: the unmapped frame, then a mapped one
            g.write64(A + 0x108, g.mfn(100));
            reservation(g, A, A + 0x100, 2);
            g.write64(A + 0x200, spare); // populate the hole again
            reservation(g, A + 0x20, A + 0x200, 1);
            reservation(g, A + 0x40, A + 0x300, 1); // increase: over the maximum
            g.write32(A + 0x80, 0x7FF0);
            HypercallRunner r = new HypercallRunner(g);
            int decrease = r.call(Hypercall.MEMORY_OP, 1, A);
            int current = r.call(Hypercall.MEMORY_OP, 3, A + 0x80);
            int populate = r.call(Hypercall.MEMORY_OP, 6, A + 0x20);
            int increase = r.call(Hypercall.MEMORY_OP, 0, A + 0x40);
            int after = r.call(Hypercall.MEMORY_OP, 3, A + 0x80);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(decrease)).as("only the unreferenced frame").isEqualTo(1);
            assertThat(r.result(current)).isEqualTo(TestGuest.PAGES - 1);
            assertThat(r.result(populate)).isEqualTo(1);
            long mfn = g.read64(A + 0x200);
            assertThat(g.domain.mfn(spare)).isEqualTo(mfn);
            assertThat(g.hv.m2p().get(mfn)).isEqualTo(spare);
            assertThat(r.result(increase)).as("at the maximum").isZero();
            assertThat(r.result(after)).isEqualTo(TestGuest.PAGES);
        }
    }

    /** Writes a {@code xen_memory_reservation} at {@code at}: extents at {@code list}, order 0, DOMID_SELF. */
    private static void reservation(TestGuest g, long at, long list, long n) {
        g.write64(at, list);
        g.write64(at + 8, n);
        g.write32(at + 16, 0);
        g.write32(at + 20, 0);
        g.write32(at + 24, 0x7FF0);
    }

    @Test
    void vcpuOp() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write64(A, 100_000); // period too short
            g.write64(A + 8, 20_000_000);
            g.clock.advance(1_000_000); // system time 1 ms
            g.write64(A + 0x10, 1); // singleshot in the past, flag "future"
            g.write64(A + 0x18, 1);
            g.write64(A + 0x20, 5_000_000_000L); // singleshot, flags 0
            g.write64(A + 0x28, 0);
            long infoPage = TestGuest.DATA + 0x8000;
            g.write64(A + 0x40, g.mfn(infoPage >>> 12)); // register_vcpu_info {mfn, offset}
            g.write32(A + 0x48, 64);
            g.write64(A + 0x50, g.mfn(infoPage >>> 12));
            g.write32(A + 0x58, 4090);
            HypercallRunner r = new HypercallRunner(g);
            int up = r.call(Hypercall.VCPU_OP, 3, 0, 0);
            int noVcpu = r.call(Hypercall.VCPU_OP, 3, 1, 0);
            int shortPeriod = r.call(Hypercall.VCPU_OP, 6, 0, A);
            int period = r.call(Hypercall.VCPU_OP, 6, 0, A + 8);
            int stop = r.call(Hypercall.VCPU_OP, 7, 0, 0);
            int past = r.call(Hypercall.VCPU_OP, 8, 0, A + 0x10);
            int single = r.call(Hypercall.VCPU_OP, 8, 0, A + 0x20);
            int runstate = r.call(Hypercall.VCPU_OP, 4, 0, A + 0x100);
            int badOffset = r.call(Hypercall.VCPU_OP, 10, 0, A + 0x50);
            int info = r.call(Hypercall.VCPU_OP, 10, 0, A + 0x40);
            int again = r.call(Hypercall.VCPU_OP, 10, 0, A + 0x40);
            int unknown = r.call(Hypercall.VCPU_OP, 99, 0, 0);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(up)).isEqualTo(1);
            assertThat(r.result(noVcpu)).isEqualTo(-ENOENT);
            assertThat(r.result(shortPeriod)).isEqualTo(-EINVAL);
            assertThat(r.result(period)).isZero();
            assertThat(r.result(stop)).isZero();
            assertThat(r.result(past)).isEqualTo(-ETIME);
            assertThat(r.result(single)).isZero();
            assertThat(r.result(runstate)).isZero();
            assertThat(g.read64(A + 0x100)).as("RUNSTATE_running").isZero();
            assertThat(r.result(badOffset)).isEqualTo(-EINVAL);
            assertThat(r.result(info)).isZero();
            long vi = infoPage + 64;
            assertThat(g.memory.read8(g.ma(vi + SharedInfo.VI_UPCALL_PENDING))).isEqualTo((byte) 1);
            assertThat(g.read64(vi + SharedInfo.VI_PENDING_SEL)).isEqualTo(-1L);
            assertThat(g.read32(vi + SharedInfo.VI_TIME + SharedInfo.TIME_TSC_TO_SYSTEM_MUL)).isNotZero();
            assertThat(r.result(again)).isEqualTo(-EINVAL);
            assertThat(r.result(unknown)).isEqualTo(-ENOSYS);
        }
    }

    @Test
    void vcpuTimeMemoryAreaMirrorsVcpuInfoTime() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long infoPage = TestGuest.DATA + 0x8000;
            g.write64(A, g.mfn(infoPage >>> 12)); // register_vcpu_info {mfn, offset 0}
            g.write32(A + 8, 0);
            long area = A + 0x200;
            g.write64(A + 0x10, area);
            g.write64(A + 0x18, 0xFFFF_8000_0000_0000L); // inside Xen's reserved range
            g.clock.advance(3_000_000);
            HypercallRunner r = new HypercallRunner(g);
            int info = r.call(Hypercall.VCPU_OP, 10, 0, A);
            int ok = r.call(Hypercall.VCPU_OP, 13, 0, A + 0x10);
            int bad = r.call(Hypercall.VCPU_OP, 13, 0, A + 0x18);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(info)).isZero();
            assertThat(r.result(ok)).isZero();
            assertThat(r.result(bad)).isEqualTo(-EFAULT);
            long time = infoPage + SharedInfo.VI_TIME;
            assertThat(g.read32(area + SharedInfo.TIME_VERSION) & 1).as("update complete").isZero();
            assertThat(g.read64(area + SharedInfo.TIME_SYSTEM_TIME)).isNotZero()
                    .isEqualTo(g.read64(time + SharedInfo.TIME_SYSTEM_TIME));
            for (int off = 8; off < 32; off += 8) {
                assertThat(g.read64(area + off)).as("offset %d", off).isEqualTo(g.read64(time + off));
            }
            assertThat(g.memory.read8(g.ma(area + SharedInfo.TIME_FLAGS)) & SharedInfo.PVCLOCK_TSC_STABLE)
                    .isNotZero();
        }
    }

    @Test
    void eventChannelOp() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write64(A, 0x0000_0000_7FF0L); // alloc_unbound {dom SELF, remote 0}
            g.write32(A + 0x10, 0); // bind_virq {TIMER, vcpu 0}
            g.write32(A + 0x14, 0);
            g.write32(A + 0x20, 24); // bind_virq {24: no such VIRQ}
            g.write32(A + 0x30, 5); // bind_ipi {vcpu 5}
            g.write32(A + 0x40, 0); // bind_ipi {vcpu 0}
            g.write32(A + 0x50, 4000); // close / send of a closed port
            g.write32(A + 0x60, 0x7FF0); // status {SELF, port 1}
            g.write32(A + 0x64, 1);
            g.write32(A + 0x80, 1); // send {port 1}: unbound -> dropped
            HypercallRunner r = new HypercallRunner(g);
            int alloc = r.call(Hypercall.EVENT_CHANNEL_OP, 6, A);
            int virq = r.call(Hypercall.EVENT_CHANNEL_OP, 1, A + 0x10);
            int virqAgain = r.call(Hypercall.EVENT_CHANNEL_OP, 1, A + 0x10);
            int badVirq = r.call(Hypercall.EVENT_CHANNEL_OP, 1, A + 0x20);
            int badVcpu = r.call(Hypercall.EVENT_CHANNEL_OP, 7, A + 0x30);
            int ipi = r.call(Hypercall.EVENT_CHANNEL_OP, 7, A + 0x40);
            int closeBad = r.call(Hypercall.EVENT_CHANNEL_OP, 3, A + 0x50);
            int sendBad = r.call(Hypercall.EVENT_CHANNEL_OP, 4, A + 0x50);
            int status = r.call(Hypercall.EVENT_CHANNEL_OP, 5, A + 0x60);
            int sendUnbound = r.call(Hypercall.EVENT_CHANNEL_OP, 4, A + 0x80);
            int fifo = r.call(Hypercall.EVENT_CHANNEL_OP, 11, A + 0x90);
            int close = r.call(Hypercall.EVENT_CHANNEL_OP, 3, A + 0x80);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(alloc)).isZero();
            assertThat(g.read32(A + 4)).as("lowest free port").isEqualTo(1);
            assertThat(r.result(virq)).isZero();
            assertThat(g.read32(A + 0x18)).isEqualTo(2);
            assertThat(r.result(virqAgain)).isEqualTo(-EEXIST);
            assertThat(r.result(badVirq)).isEqualTo(-EINVAL);
            assertThat(r.result(badVcpu)).isEqualTo(-ENOENT);
            assertThat(r.result(ipi)).isZero();
            assertThat(g.read32(A + 0x44)).isEqualTo(3);
            assertThat(r.result(closeBad)).isEqualTo(-EINVAL);
            assertThat(r.result(sendBad)).isEqualTo(-EINVAL);
            assertThat(r.result(status)).isZero();
            assertThat(g.read32(A + 0x68)).as("EVTCHNSTAT_unbound").isEqualTo(1);
            assertThat(g.read32(A + 0x70)).as("remote domain").isZero();
            assertThat(r.result(sendUnbound)).isZero();
            assertThat(r.result(fifo)).isEqualTo(-ENOSYS);
            assertThat(r.result(close)).isZero();
        }
    }

    @Test
    void bindInterdomainToOwnUnboundPortSetsThePortPending() throws Exception {
        try (TestGuest g = new TestGuest()) {
            int port = g.domain.allocateUnboundPort(g.domain.id());
            g.write32(A, 0x7FF0); // bind_interdomain {remote SELF, remote_port}
            g.write32(A + 4, port);
            HypercallRunner r = new HypercallRunner(g);
            int bind = r.call(Hypercall.EVENT_CHANNEL_OP, 0, A);
            int again = r.call(Hypercall.EVENT_CHANNEL_OP, 0, A);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(bind)).isZero();
            int local = g.read32(A + 8);
            assertThat(local).isNotEqualTo(port);
            long pending = g.memory.read64(g.domain.sharedInfoMachineAddress() + SharedInfo.EVTCHN_PENDING);
            assertThat(pending & (1L << local)).isNotZero();
            assertThat(r.result(again)).as("remote port no longer unbound").isEqualTo(-EINVAL);
        }
    }

    @Test
    void smallCalls() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write32(A, 4); // set_iopl {4}
            g.write32(A + 8, 1);
            g.write64(A + 0x10, 0x0001_0000_0000_0000L); // trap table with a non-canonical handler
            g.write64(A + 0x18, 0x0001_0000_0000_0000L);
            g.write32(A + 0x20, 0x7FF0); // query_size {SELF}
            HypercallRunner r = new HypercallRunner(g);
            int iopl4 = r.call(Hypercall.PHYSDEV_OP, 6, A);
            int iopl1 = r.call(Hypercall.PHYSDEV_OP, 6, A + 8);
            int pirq = r.call(Hypercall.PHYSDEV_OP, 13, A);
            int vmOk = r.call(Hypercall.VM_ASSIST, 0, 2);
            int vmBad = r.call(Hypercall.VM_ASSIST, 0, 9);
            int badTraps = r.call(Hypercall.SET_TRAP_TABLE, A + 0x10);
            int clearTraps = r.call(Hypercall.SET_TRAP_TABLE, 0);
            int stack = r.call(Hypercall.STACK_SWITCH, 0xE02B, 0x3F000);
            int callbacks = r.call(Hypercall.SET_CALLBACKS, 0x11000, 0x11100, 0x11200);
            int fsBase = r.call(Hypercall.SET_SEGMENT_BASE, 0, 0x1234_5000L);
            int badBase = r.call(Hypercall.SET_SEGMENT_BASE, 2, 0x0001_0000_0000_0000L);
            int fpu = r.call(Hypercall.FPU_TASKSWITCH, 0);
            int query = r.call(Hypercall.GRANT_TABLE_OP, 6, A + 0x20, 1);
            g.write32(A + 0x40, 0x7FF0); // setup_table {SELF, 4 frames, status, frame_list}
            g.write32(A + 0x44, 4);
            g.write64(A + 0x50, A + 0x60);
            int setup = r.call(Hypercall.GRANT_TABLE_OP, 2, A + 0x40, 1);
            g.write32(A + 0x80, 0x7FF0); // setup_table asking for more than the maximum
            g.write32(A + 0x84, 65);
            g.write64(A + 0x90, A + 0x60);
            int tooBig = r.call(Hypercall.GRANT_TABLE_OP, 2, A + 0x80, 1);
            g.write32(A + 0xA0, 2);
            int v2 = r.call(Hypercall.GRANT_TABLE_OP, 8, A + 0xA0, 1);
            int map = r.call(Hypercall.GRANT_TABLE_OP, 0, A + 0xB0, 1);
            int sysctl = r.call(Hypercall.SYSCTL, A);
            int domctl = r.call(Hypercall.DOMCTL, A);
            int hvm = r.call(Hypercall.HVM_OP, 0, A);
            int unknown = r.call(99);
            int yield = r.call(Hypercall.SCHED_OP, 0, 0);
            g.write32(A + 0x30, 77);
            int badShutdown = r.call(Hypercall.SCHED_OP, 2, A + 0x30);
            int dr7 = r.call(Hypercall.SET_DEBUGREG, 7, 1L << 13);
            int dr0 = r.call(Hypercall.SET_DEBUGREG, 0, 0x1000);
            int getDr0 = r.call(Hypercall.GET_DEBUGREG, 0);
            DomainExit exit = r.run();
            assertThat(exit.reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(iopl4)).isEqualTo(-EINVAL);
            assertThat(r.result(iopl1)).isZero();
            assertThat(g.domain.vcpu(0).iopl).isEqualTo(1);
            assertThat(r.result(pirq)).isEqualTo(-ENOSYS);
            assertThat(r.result(vmOk)).isZero();
            assertThat(r.result(vmBad)).isEqualTo(-EINVAL);
            assertThat(r.result(badTraps)).isEqualTo(-EINVAL);
            assertThat(r.result(clearTraps)).isZero();
            assertThat(r.result(stack)).isZero();
            assertThat(g.domain.vcpu(0).kernelSp).isEqualTo(0x3F000);
            assertThat(r.result(callbacks)).isZero();
            assertThat(g.domain.vcpu(0).eventCallback).isEqualTo(0x11000);
            assertThat(g.domain.vcpu(0).syscallCallback).isEqualTo(0x11200);
            assertThat(r.result(fsBase)).isZero();
            assertThat(g.domain.vcpu(0).state().segmentBase(CpuState.FS)).isEqualTo(0x1234_5000L);
            assertThat(r.result(badBase)).isEqualTo(-EINVAL);
            assertThat(r.result(fpu)).isZero();
            assertThat(r.result(query)).isZero();
            assertThat(g.read32(A + 0x24)).as("nr_frames before setup: Xen's initial frame").isEqualTo(1);
            assertThat(g.read32(A + 0x28)).as("max_nr_frames").isEqualTo(64);
            assertThat(r.result(setup)).isZero();
            assertThat((short) g.read32(A + 0x48)).as("status").isZero();
            for (int k = 0; k < 4; k++) {
                long mfn = g.read64(A + 0x60 + k * 8L);
                assertThat(g.hv.frames().owner(mfn)).as("grant frame owned by the guest").isEqualTo(g.domain.id());
            }
            assertThat((short) g.read32(A + 0x88)).as("GNTST_general_error").isEqualTo((short) -1);
            assertThat(r.result(tooBig)).isZero();
            assertThat(r.result(v2)).as("set_version 2").isZero();
            assertThat(g.domain.grantTable().version()).isEqualTo(2);
            assertThat(r.result(map)).as("a map with no flags: the call succeeds").isZero();
            assertThat((short) g.read32(A + 0xB0 + 16 + 2)).as("GNTST_bad_gntref").isEqualTo((short) -3);
            assertThat(r.result(sysctl)).isEqualTo(-EPERM);
            assertThat(r.result(domctl)).isEqualTo(-EPERM);
            assertThat(r.result(hvm)).isEqualTo(-ENOSYS);
            assertThat(r.result(unknown)).isEqualTo(-ENOSYS);
            assertThat(r.result(yield)).isZero();
            assertThat(r.result(badShutdown)).isEqualTo(-EINVAL);
            assertThat(r.result(dr7)).isEqualTo(-EPERM);
            assertThat(r.result(dr0)).isZero();
            assertThat(r.result(getDr0)).isEqualTo(0x1000);
        }
    }

    @Test
    void shutdownReasonsEndTheDomain() throws Exception {
        for (ShutdownReason reason : new ShutdownReason[] {ShutdownReason.REBOOT, ShutdownReason.CRASH,
            ShutdownReason.WATCHDOG}) {
            try (TestGuest g = new TestGuest()) {
                g.write32(A, reason.code());
                HypercallRunner r = new HypercallRunner(g);
                r.call(Hypercall.SCHED_OP, 2, A);
                DomainExit exit = r.run();
                assertThat(exit.reason()).isEqualTo(reason);
                if (reason == ShutdownReason.CRASH) {
                    assertThat(exit.crashReport()).contains("asked to crash").contains("sched_op(2");
                } else {
                    assertThat(exit.crashReport()).isNull();
                }
            }
        }
    }

    @Test
    void multicallRunsEveryEntryAndStoresResults() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long mc = A;
            g.write64(mc, Hypercall.XEN_VERSION); // entry 0: xen_version(0)
            g.write64(mc + 16, 0);
            g.write64(mc + 64, Hypercall.XEN_VERSION); // entry 1: xen_version(99) -> -ENOSYS
            g.write64(mc + 64 + 16, 99);
            g.write64(mc + 128, Hypercall.XEN_VERSION); // entry 2: pagesize
            g.write64(mc + 128 + 16, 7);
            HypercallRunner r = new HypercallRunner(g);
            int multi = r.call(Hypercall.MULTICALL, mc, 3);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(multi)).isZero();
            assertThat(g.read64(mc + 8)).isEqualTo(0x40011);
            assertThat(g.read64(mc + 64 + 8)).isEqualTo(-ENOSYS);
            assertThat(g.read64(mc + 128 + 8)).isEqualTo(4096);
        }
    }

    @Test
    void mmuextOpErrnos() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long ops = A;
            long data = TestGuest.DATA + 0x9000; // an ordinary RW-mapped page
            int[] idx = new int[8];
            HypercallRunner r = new HypercallRunner(g);
            long[][] cases = {
                {0, g.mfn(data >>> 12), 0},          // pin L1 of a frame mapped writable -> EINVAL
                {4, g.mfn(data >>> 12), 0},          // unpin a frame that is not pinned -> EINVAL
                {6, 0, 0},                           // TLB_FLUSH_LOCAL -> 0
                {7, TestGuest.CODE, 0},              // INVLPG_LOCAL -> 0
                {13, 0x1001, 16},                    // SET_LDT misaligned -> EINVAL
                {19, 0, 0},                          // MARK_SUPER -> EOPNOTSUPP
                {99, 0, 0},                          // unknown -> ENOSYS
                {3, g.mfn(TestGuest.L4), 0},         // PIN_L4 of the pinned boot L4 -> EINVAL
            };
            for (int i = 0; i < cases.length; i++) {
                g.write32(ops + i * 24L, (int) cases[i][0]);
                g.write64(ops + i * 24L + 8, cases[i][1]);
                g.write64(ops + i * 24L + 16, cases[i][2]);
                idx[i] = r.call(Hypercall.MMUEXT_OP, ops + i * 24L, 1, A + 0x800 + i * 8L, 0x7FF0);
            }
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            long[] expected = {-EINVAL, -EINVAL, 0, 0, -EINVAL, -EOPNOTSUPP, -ENOSYS, -EINVAL};
            for (int i = 0; i < cases.length; i++) {
                assertThat(r.result(idx[i])).as("case " + i).isEqualTo(expected[i]);
                assertThat(g.read32(A + 0x800 + i * 8L)).as("done count " + i).isEqualTo(expected[i] == 0 ? 1 : 0);
            }
        }
    }
}
