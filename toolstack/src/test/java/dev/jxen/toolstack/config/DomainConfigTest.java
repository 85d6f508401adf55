package dev.jxen.toolstack.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** From settings to a typed domain configuration: xl's defaults, its cmdline rule, and bad values. */
class DomainConfigTest {
    final List<String> warnings = new ArrayList<>();

    DomainConfig read(String text) throws ConfigException {
        return DomainConfig.from(ConfigParser.parse("guest.cfg", text), warnings::add);
    }

    String error(String text) {
        try {
            read(text);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for: " + text);
    }

    @Test
    void everyKeyOfTheRunnerAndOfXl() throws Exception {
        DomainConfig c = read("""
                name = "web"
                uuid = "6c3f8a1e-2b4d-4e5f-9a0b-1c2d3e4f5a6b"
                type = "pv"
                kernel = "/boot/vmlinuz"
                ramdisk = "/boot/initrd.img"
                cmdline = "console=hvc0 earlyprintk=xen"
                memory = 256
                maxmem = 512
                vcpus = 2
                maxvcpus = 4
                on_poweroff = "destroy"
                on_reboot = "rename-restart"
                on_crash = "preserve"
                on_watchdog = "restart"
                on_soft_reset = "destroy"
                disk = [ 'file:/srv/web.img,xvda,w' ]
                vif = [ 'bridge=xenbr0' ]
                """);
        assertThat(c).isEqualTo(new DomainConfig("web", "6c3f8a1e-2b4d-4e5f-9a0b-1c2d3e4f5a6b", DomainConfig.Type.PV,
                "/boot/vmlinuz", "/boot/initrd.img", "console=hvc0 earlyprintk=xen", 256, 512, 2, 4,
                DomainConfig.Action.DESTROY, DomainConfig.Action.RENAME_RESTART, DomainConfig.Action.PRESERVE,
                DomainConfig.Action.RESTART, DomainConfig.Action.DESTROY,
                List.of("file:/srv/web.img,xvda,w"), List.of("bridge=xenbr0"), null));
        assertThat(warnings).isEmpty();
    }

    @Test
    void defaultsAreXls() throws Exception {
        DomainConfig c = read("name = 'a'\nkernel = 'k'\n");
        assertThat(c.type()).isEqualTo(DomainConfig.Type.PV);
        assertThat(c.memoryMiB()).isEqualTo(32);
        assertThat(c.maxmemMiB()).isEqualTo(32);
        assertThat(c.vcpus()).isEqualTo(1);
        assertThat(c.maxvcpus()).isEqualTo(1);
        assertThat(c.onPoweroff()).isEqualTo(DomainConfig.Action.DESTROY);
        assertThat(c.onReboot()).isEqualTo(DomainConfig.Action.RESTART);
        assertThat(c.onCrash()).isEqualTo(DomainConfig.Action.DESTROY);
        assertThat(c.onWatchdog()).isEqualTo(DomainConfig.Action.DESTROY);
        assertThat(c.onSoftReset()).isEqualTo(DomainConfig.Action.SOFT_RESET);
        assertThat(c.cmdline()).isNull();
        assertThat(c.ramdisk()).isNull();
        assertThat(c.disks()).isEmpty();
        assertThat(c.uuid()).isNull();
    }

    @Test
    void maxmemDefaultsToMemory() throws Exception {
        assertThat(read("name='a'\nmemory=96").maxmemMiB()).isEqualTo(96);
    }

    @Test
    void cmdlineIsBuiltFromRootAndExtraAsXlDoes() throws Exception {
        assertThat(read("name='a'\nroot='/dev/xvda1 ro'\nextra='console=hvc0'").cmdline()).isEqualTo("root=/dev/xvda1 ro console=hvc0");
        assertThat(read("name='a'\nroot='/dev/xvda1'").cmdline()).isEqualTo("root=/dev/xvda1");
        assertThat(read("name='a'\nextra='console=hvc0'").cmdline()).isEqualTo("console=hvc0");
        assertThat(warnings).isEmpty();
    }

    @Test
    void cmdlineWinsOverRootAndExtraWithAWarning() throws Exception {
        DomainConfig c = read("name='a'\nroot='/dev/xvda1'\nextra='quiet'\ncmdline='console=hvc0'\n");
        assertThat(c.cmdline()).isEqualTo("console=hvc0");
        assertThat(warnings).containsExactly("guest.cfg:4: warning: ignoring root and extra in favour of cmdline");
    }

    @Test
    void numbersAreReadAsCsStrtolDoesAndMayBeQuoted() throws Exception {
        assertThat(read("name='a'\nmemory=0x40").memoryMiB()).isEqualTo(64);
        assertThat(read("name='a'\nmemory=010").memoryMiB()).isEqualTo(8);
        assertThat(read("name='a'\nmemory='48'").memoryMiB()).isEqualTo(48);
        assertThat(read("name=42").name()).isEqualTo("42");
    }

    @Test
    void unknownKeysAreWarnedAboutWithTheirLine() throws Exception {
        DomainConfig c = read("name='a'\n\nvideoram = 8\nfrobnicate = 'yes'\n");
        assertThat(c.name()).isEqualTo("a");
        assertThat(warnings).containsExactly("guest.cfg:3: warning: unknown key 'videoram'",
                "guest.cfg:4: warning: unknown key 'frobnicate'");
    }

    @Test
    void badNumbersNameTheLine() {
        assertThat(error("name='a'\nmemory = 'lots'")).isEqualTo("guest.cfg:2: 'memory' must be a number, not 'lots'");
        assertThat(error("name='a'\nmemory = 12abc")).isEqualTo("guest.cfg:2: 'memory' must be a number, not '12abc'");
        assertThat(error("name='a'\nmemory = 09")).isEqualTo("guest.cfg:2: 'memory' must be a number, not '09'");
        assertThat(error("name='a'\nmemory = 0")).isEqualTo("guest.cfg:2: 'memory' = 0 is out of range (1..1073741824)");
        assertThat(error("name='a'\nvcpus = '-1'")).isEqualTo("guest.cfg:2: 'vcpus' = -1 is out of range (1..4096)");
        assertThat(error("name='a'\nmemory = 0x")).isEqualTo("guest.cfg:2: 'memory' must be a number, not '0x'");
        assertThat(error("name='a'\nmemory = 99999999999999999999"))
                .isEqualTo("guest.cfg:2: 'memory' must be a number, not '99999999999999999999'");
    }

    @Test
    void inconsistentSizes() {
        assertThat(error("name='a'\nmemory=256\nmaxmem=128")).isEqualTo("guest.cfg:3: maxmem (128 MiB) is less than memory (256 MiB)");
        assertThat(error("name='a'\nvcpus=4\nmaxvcpus=2")).isEqualTo("guest.cfg:3: maxvcpus (2) is less than vcpus (4)");
    }

    @Test
    void badActionsTypesAndUuids() {
        assertThat(error("name='a'\non_crash = 'explode'")).isEqualTo("guest.cfg:2: unknown action 'explode' for on_crash"
                + " (expected one of destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset)");
        assertThat(error("name='a'\ntype = 'pvhvm'")).isEqualTo("guest.cfg:2: unknown type 'pvhvm' (expected pv, pvh or hvm)");
        assertThat(error("name='a'\nuuid = '1234'")).isEqualTo("guest.cfg:2: '1234' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    }

    @Test
    void actionsAcceptLibxlsUnderscoreSpelling() throws Exception {
        assertThat(read("name='a'\non_crash='coredump_restart'").onCrash()).isEqualTo(DomainConfig.Action.COREDUMP_RESTART);
        assertThat(DomainConfig.Action.COREDUMP_RESTART.restarts()).isTrue();
        assertThat(DomainConfig.Action.PRESERVE.restarts()).isFalse();
    }

    @Test
    void theOldBuilderKeyChoosesTheType() throws Exception {
        assertThat(read("name='a'\nbuilder='hvm'").type()).isEqualTo(DomainConfig.Type.HVM);
        assertThat(read("name='a'\nbuilder='generic'").type()).isEqualTo(DomainConfig.Type.PV);
        assertThat(read("name='a'\nbuilder='hvm'\ntype='pv'").type()).isEqualTo(DomainConfig.Type.PV);
    }

    @Test
    void listsAndSingleValuesInTheWrongPlace() {
        assertThat(error("name='a'\nkernel = ['a', 'b']")).isEqualTo("guest.cfg:2: 'kernel' must be a single value, not a list");
        assertThat(error("name='a'\ndisk = 'file:/a.img,xvda,w'"))
                .isEqualTo("guest.cfg:2: 'disk' must be a list: disk = [ '...', ... ]");
    }

    @Test
    void theNameIsRequiredAsInXl() {
        assertThat(error("kernel = 'k'\n")).isEqualTo("guest.cfg: the domain needs a name: add name = \"...\"");
        assertThat(error("kernel = 'k'\nname = ''")).isEqualTo("guest.cfg:2: 'name' must not be empty");
    }

    @Test
    void jsonShowsEveryField() throws Exception {
        String json = read("name = 'say \"hi\"'\nkernel = 'k'\nextra = 'a\\tb'\ndisk = ['x', 'y']\n").toJson();
        assertThat(json).isEqualTo("""
                {
                    "name": "say \\"hi\\"",
                    "uuid": null,
                    "type": "pv",
                    "kernel": "k",
                    "ramdisk": null,
                    "cmdline": "a\\tb",
                    "memory": 32,
                    "maxmem": 32,
                    "vcpus": 1,
                    "maxvcpus": 1,
                    "on_poweroff": "destroy",
                    "on_reboot": "restart",
                    "on_crash": "destroy",
                    "on_watchdog": "destroy",
                    "on_soft_reset": "soft-reset",
                    "disk": ["x", "y"],
                    "vif": [],
                    "bootloader": null
                }
                """);
    }
}
