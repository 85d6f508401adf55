package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.SharedInfo;
import dev.jxen.hypervisor.time.TscScale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Event channels, upcalls, blocking, timers and PV time (PV-ABI.md §4.5, §6, §7). */
class EventTest {
    static final long A = HypercallRunner.ARGS;
    static final long HANDLER = TestGuest.CODE + 0x1000;

    static Code setEventCallback(Code c) {
        return c.movRdi(HANDLER).movRsi(0).movRdx(0).hypercall(4); // set_callbacks(event, 0, 0)
    }

    @Test
    void blockWithAPendingEventReturnsAndTheUpcallIsDelivered() throws Exception {
        try (TestGuest g = new TestGuest()) {
            TrapTest.frameDumper(HANDLER).loadInto(g);
            g.write32(A, 0); // bind_ipi {vcpu 0}
            Code c = setEventCallback(new Code(TestGuest.CODE))
                    .movRdi(7).movRsi(A).hypercall(32) // bind_ipi
                    .movRdi(4).movRsi(A + 4).hypercall(32) // send {port}
                    .movRdi(1).movRsi(0).hypercall(29); // sched_op(block)
            long after = c.here();
            c.ud2();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            int port = g.read32(A + 4);
            long si = g.domain.sharedInfoMachineAddress();
            assertThat(g.memory.read64(si + SharedInfo.EVTCHN_PENDING) & (1L << port)).isNotZero();
            assertThat(g.memory.read64(si + SharedInfo.VI_PENDING_SEL)).isEqualTo(1);
            assertThat(g.memory.read8(si + SharedInfo.VI_UPCALL_MASK)).as("masked by the upcall").isEqualTo((byte) 1);
            long result = TrapTest.RESULT;
            assertThat(g.read64(result + 16)).as("RIP after the block hypercall").isEqualTo(after);
            assertThat(g.read64(result + 24)).as("CS, saved mask 0").isEqualTo(0xE030);
            assertThat(g.read64(result + 32) & 0x200).as("IF = events were enabled").isNotZero();
        }
    }

    @Test
    void singleShotTimerWakesABlockedVcpuWhenTheClockPassesTheDeadline() throws Exception {
        try (TestGuest g = new TestGuest()) {
            TrapTest.frameDumper(HANDLER).loadInto(g);
            g.write32(A, 0); // bind_virq {VIRQ_TIMER, vcpu 0}
            g.write32(A + 4, 0);
            Code c = setEventCallback(new Code(TestGuest.CODE))
                    .movRdi(1).movRsi(A).hypercall(32) // bind_virq
                    .movRdi(7).movRsi(0).movRdx(0).hypercall(24) // vcpu_op(stop_periodic_timer, 0)
                    .movRdi(5_000_000).hypercall(15) // set_timer_op(5 ms)
                    .movRdi(1).movRsi(0).hypercall(29); // sched_op(block)
            long after = c.here();
            c.ud2();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            Thread.sleep(200);
            assertThat(g.domain.exit().isDone()).as("still blocked at system time 0").isFalse();
            assertThat(g.domain.vcpu(0).blocked).isTrue();
            g.clock.advance(4_000_000);
            Thread.sleep(100);
            assertThat(g.domain.exit().isDone()).as("still blocked at 4 ms").isFalse();
            g.clock.advance(2_000_000);
            DomainExit exit = g.domain.exit().get(5, TimeUnit.SECONDS);
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(TrapTest.RESULT + 16)).isEqualTo(after);
            int port = g.read32(A + 8);
            assertThat(g.memory.read64(g.domain.sharedInfoMachineAddress() + SharedInfo.EVTCHN_PENDING)
                    & (1L << port)).isNotZero();
        }
    }

    @Test
    void pollWakesAtItsTimeout() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write32(A, 0); // bind_ipi {vcpu 0}
            g.write64(A + 0x10, A + 4); // sched_poll {ports, nr 1, timeout 3 ms}
            g.write32(A + 0x18, 1);
            g.write64(A + 0x20, 3_000_000);
            Code c = new Code(TestGuest.CODE)
                    .movRdi(7).movRsi(A).hypercall(32) // bind_ipi
                    .movRdi(3).movRsi(A + 0x10).hypercall(29) // sched_op(poll)
                    .storeRax(A + 0x40)
                    .shutdown(TrapTest.ZERO);
            c.loadInto(g);
            g.write64(A + 0x40, 0xDEAD);
            g.start(TestGuest.CODE);
            Thread.sleep(150);
            assertThat(g.domain.exit().isDone()).isFalse();
            g.clock.advance(3_000_001);
            DomainExit exit = g.domain.exit().get(5, TimeUnit.SECONDS);
            assertThat(exit.reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(A + 0x40)).isZero();
        }
    }

    @Test
    void upcallWithoutEventCallbackCrashes() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write32(A, 0);
            Code c = new Code(TestGuest.CODE)
                    .movRdi(7).movRsi(A).hypercall(32)
                    .movRdi(4).movRsi(A + 4).hypercall(32)
                    .movRdi(1).movRsi(0).hypercall(29)
                    .spin();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(exit.crashReport()).contains("no event callback").contains("sched_op(1");
        }
    }

    @Test
    void pvTimeMatchesTheTscTheGuestReads() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.clock.advance(123_456_789);
            Code c = new Code(TestGuest.CODE)
                    .raw(0x0F, 0x31) // rdtsc
                    .raw(0x48, 0xC1, 0xE2, 0x20) // shl rdx, 32
                    .raw(0x48, 0x09, 0xD0) // or rax, rdx
                    .storeRax(A)
                    .shutdown(TrapTest.ZERO);
            c.loadInto(g);
            g.start(TestGuest.CODE);
            assertThat(g.awaitExit().reason()).isEqualTo(ShutdownReason.POWEROFF);
            long tsc = g.read64(A);
            long t = g.domain.sharedInfoMachineAddress() + SharedInfo.VI_TIME;
            int version = g.memory.read32(t);
            long tscStamp = g.memory.read64(t + SharedInfo.TIME_TSC_TIMESTAMP);
            long system = g.memory.read64(t + SharedInfo.TIME_SYSTEM_TIME);
            int mul = g.memory.read32(t + SharedInfo.TIME_TSC_TO_SYSTEM_MUL);
            int shift = g.memory.read8(t + SharedInfo.TIME_TSC_SHIFT);
            assertThat(version & 1).as("even version").isZero();
            assertThat(version).isPositive();
            long now = system + new TscScale(mul, shift).toNanos(tsc - tscStamp);
            assertThat(now).isEqualTo(123_456_789L);
            long si = g.domain.sharedInfoMachineAddress();
            assertThat(g.memory.read32(si + SharedInfo.WC_SEC) & 0xFFFF_FFFFL)
                    .isEqualTo(FakeClock.START.getEpochSecond());
            assertThat(g.memory.read32(si + SharedInfo.WC_NSEC)).isEqualTo(FakeClock.START.getNano());
        }
    }

    @Test
    void tscScaleFollowsXensAlgorithm() {
        TscScale s = TscScale.forFrequency(1_000_000_000L);
        assertThat(s.shift()).isEqualTo(1);
        assertThat(s.mul()).isEqualTo(0x8000_0000);
        assertThat(s.toNanos(1_000_000_000L)).isEqualTo(1_000_000_000L);
        TscScale fast = TscScale.forFrequency(3_000_000_000L);
        assertThat(fast.shift()).isEqualTo(-1);
        assertThat(fast.toNanos(3_000_000_000L)).isBetween(999_999_990L, 1_000_000_000L);
    }
}
