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
        // Without xenstored GRUB must get as far as its first request and wait there.
        RealBoot.Outcome o = RealBoot.boot(GuestImages.grub(), "", 64, LIMIT, false, p -> p.storeRequestBytes() > 0);
        o.save("grub-no-store");
        assertThat(o.exit()).as(o.describe()).isNull();
        // xsd_sockmsg header (16 bytes) and the path of its first request.
        assertThat(o.storeRequestBytes()).as(o.describe()).isGreaterThanOrEqualTo(16);
    }

    @Test
    void grubWritesItsConsoleAndReachesItsPromptWithXenstored() throws Exception {
        RealBoot.Outcome o = RealBoot.boot(GuestImages.grub(), "", 64, LIMIT, true,
                p -> p.console().contains("grub> "));
        o.save("grub");
        assertThat(o.exit()).as(o.describe()).isNull();
        assertThat(o.console()).as(o.describe())
                .contains("Welcome to GRUB!")
                // No disks under device/ in the store: its embedded grub.cfg finds no configuration to load.
                .contains("error: no such device: /boot/grub/grub.cfg.")
                .contains("GNU GRUB  version 2.")
                .contains("grub> ");
        assertThat(o.storeReplyBytes()).isPositive();
    }

    @Test
    void grubRunsACommandTypedOnItsConsole() throws Exception {
        // The typed line echoes as "answer-$v"; only GRUB's shell expands it to "answer-42".
        boolean[] typed = {false};
        RealBoot.Outcome o = RealBoot.boot(GuestImages.grub(), "", 64, LIMIT, true, p -> {
            if (!typed[0] && p.console().contains("grub> ")) {
                p.type("set v=42; echo answer-$v\r");
                typed[0] = true;
            }
            return p.console().contains("answer-42\n");
        });
        o.save("grub-input");
        assertThat(o.exit()).as(o.describe()).isNull();
        // GRUB echoes each key with a cursor move (ESC [ row ; col H) before it, and ends lines "\n\r".
        String text = o.console().replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
        assertThat(text).as(o.describe()).contains("grub> set v=42; echo answer-$v\nanswer-42\n");
    }
}
