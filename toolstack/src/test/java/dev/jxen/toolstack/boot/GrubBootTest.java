package dev.jxen.toolstack.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Debian's GRUB for Xen PV (grub-x86_64-xen.bin, package grub-xen-host) on jxen. GRUB maps all its
 * memory with new page tables (mmu_update, update_va_mapping, pin, new baseptr), sets up its grant
 * table, then reads its disks from xenstore before it prints anything.
 */
class GrubBootTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    @Test
    void grubStartsAndWaitsForXenstore() throws Exception {
        // There is no xenstored yet (issue 4): GRUB must get as far as its first request and wait there.
        RealBoot.Outcome o = RealBoot.boot(GuestImages.grub(), "", 64, LIMIT, false, p -> p.storeRequestBytes() > 0);
        o.save("grub-no-store");
        assertThat(o.exit()).as(o.describe()).isNull();
        // xsd_sockmsg header (16 bytes) and the path of its first request.
        assertThat(o.storeRequestBytes()).as(o.describe()).isGreaterThanOrEqualTo(16);
    }

    @Test
    void grubWritesItsConsoleAndReachesItsPromptWithAnEmptyXenstore() throws Exception {
        RealBoot.Outcome o = RealBoot.boot(GuestImages.grub(), "", 64, LIMIT, true,
                p -> p.console().contains("grub> "));
        o.save("grub");
        assertThat(o.exit()).as(o.describe()).isNull();
        assertThat(o.console()).as(o.describe())
                .contains("Welcome to GRUB!")
                // No disks in the store: its embedded grub.cfg finds no configuration to load.
                .contains("error: no such device: /boot/grub/grub.cfg.")
                .contains("GNU GRUB  version 2.")
                .contains("grub> ");
        assertThat(o.storeAnswers()).isPositive();
    }
}
