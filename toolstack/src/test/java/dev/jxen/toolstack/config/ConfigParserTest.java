package dev.jxen.toolstack.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The xl.cfg syntax: what each construct reads as, and the message and line of each error. */
class ConfigParserTest {
    static ConfigFile parse(String text) throws ConfigException {
        return ConfigParser.parse("guest.cfg", text);
    }

    static String atom(ConfigFile cfg, String key) {
        return ((ConfigValue.Atom) cfg.get(key).value()).text();
    }

    static List<String> list(ConfigFile cfg, String key) {
        return ((ConfigValue.ListValue) cfg.get(key).value()).items().stream().map(ConfigValue.Atom::text).toList();
    }

    static String error(String text) {
        try {
            parse(text);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for: " + text);
    }

    @Test
    void stringsNumbersAndListsKeepTheirTextAndLine() throws Exception {
        ConfigFile cfg = parse("""
                # a PV guest
                name = "hello"
                kernel='/boot/k'
                memory = 512
                maxmem = 0x400
                disk = [ 'file:/a.img,xvda,w', "file:/b.img,xvdb,r" ]
                """);
        assertThat(atom(cfg, "name")).isEqualTo("hello");
        assertThat(atom(cfg, "kernel")).isEqualTo("/boot/k");
        assertThat(atom(cfg, "memory")).isEqualTo("512");
        assertThat(atom(cfg, "maxmem")).isEqualTo("0x400");
        assertThat(list(cfg, "disk")).containsExactly("file:/a.img,xvda,w", "file:/b.img,xvdb,r");
        assertThat(cfg.get("name").line()).isEqualTo(2);
        assertThat(cfg.get("disk").line()).isEqualTo(6);
        assertThat(cfg.get("disk").where()).isEqualTo("guest.cfg:6");
        assertThat(cfg.settings()).extracting(Setting::key).containsExactly("name", "kernel", "memory", "maxmem", "disk");
    }

    @Test
    void listsSpanLinesWithCommentsBlankLinesAndATrailingComma() throws Exception {
        ConfigFile cfg = parse("""
                vif = [
                    'bridge=br0',   # first
                
                    'bridge=br1',
                ]
                vcpus = 2
                """);
        assertThat(list(cfg, "vif")).containsExactly("bridge=br0", "bridge=br1");
        assertThat(cfg.get("vcpus").line()).isEqualTo(6);
    }

    @Test
    void emptyListsAndEmptyStrings() throws Exception {
        ConfigFile cfg = parse("disk = []\nextra = ''\nroot = \"\"\n");
        assertThat(list(cfg, "disk")).isEmpty();
        assertThat(atom(cfg, "extra")).isEmpty();
        assertThat(atom(cfg, "root")).isEmpty();
    }

    @Test
    void escapesInStrings() throws Exception {
        ConfigFile cfg = parse("""
                a = "tab\\there \\"quoted\\" back\\\\slash"
                b = 'it\\'s'
                c = "\\x41\\102\\0end"
                d = "\\a\\b\\f\\n\\r\\v"
                e = 'a "double" in single'
                """);
        assertThat(atom(cfg, "a")).isEqualTo("tab\there \"quoted\" back\\slash");
        assertThat(atom(cfg, "b")).isEqualTo("it's");
        assertThat(atom(cfg, "c")).isEqualTo("AB\0end");
        assertThat(atom(cfg, "d")).isEqualTo("\u0007\b\f\n\r\u000b");
        assertThat(atom(cfg, "e")).isEqualTo("a \"double\" in single");
    }

    @Test
    void aHashInsideAStringIsNotAComment() throws Exception {
        ConfigFile cfg = parse("extra = 'console=hvc0 # not a comment' # a comment\n");
        assertThat(atom(cfg, "extra")).isEqualTo("console=hvc0 # not a comment");
    }

    @Test
    void semicolonsSeparateSettingsOnOneLine() throws Exception {
        ConfigFile cfg = parse("memory = 64; vcpus = 1;name='x'");
        assertThat(atom(cfg, "memory")).isEqualTo("64");
        assertThat(atom(cfg, "vcpus")).isEqualTo("1");
        assertThat(atom(cfg, "name")).isEqualTo("x");
    }

    @Test
    void lastSettingNeedsNoNewlineAndCrlfLinesWork() throws Exception {
        assertThat(atom(parse("name = 'x'"), "name")).isEqualTo("x");
        ConfigFile crlf = parse("name = 'x'\r\nmemory = 8\r\n");
        assertThat(atom(crlf, "memory")).isEqualTo("8");
        assertThat(crlf.get("memory").line()).isEqualTo(2);
    }

    @Test
    void backslashAtTheEndOfALineContinuesTheSetting() throws Exception {
        ConfigFile cfg = parse("extra = \\\n   'console=hvc0'\nmemory = 8\n");
        assertThat(atom(cfg, "extra")).isEqualTo("console=hvc0");
        assertThat(cfg.get("extra").line()).isEqualTo(1);
        assertThat(cfg.get("memory").line()).isEqualTo(3);
    }

    @Test
    void laterSettingWinsAndPlusEqualsAppends() throws Exception {
        ConfigFile cfg = parse("""
                memory = 64
                memory = 128
                extra = 'a'
                extra += ' b'
                disk = ['x']
                disk += ['y', 'z']
                vif += ['v']
                """);
        assertThat(atom(cfg, "memory")).isEqualTo("128");
        assertThat(cfg.get("memory").line()).isEqualTo(2);
        assertThat(atom(cfg, "extra")).isEqualTo("a b");
        assertThat(list(cfg, "disk")).containsExactly("x", "y", "z");
        assertThat(list(cfg, "vif")).containsExactly("v");
    }

    @Test
    void emptyAndCommentOnlyFilesHaveNoSettings() throws Exception {
        assertThat(parse("").settings()).isEmpty();
        assertThat(parse("# nothing\n\n   \n# here").settings()).isEmpty();
    }

    @Test
    void overridesApplyOnTopOfTheFile() throws Exception {
        ConfigFile cfg = parse("memory = 64\nname = 'a'\n");
        ConfigParser.parseInto(cfg, "command line", "memory=256");
        assertThat(atom(cfg, "memory")).isEqualTo("256");
        assertThat(cfg.get("memory").where()).isEqualTo("command line:1");
        assertThat(atom(cfg, "name")).isEqualTo("a");
    }

    @Test
    void syntaxErrorsNameFileAndLine() {
        assertThat(error("name = 'x'\nmemory 64\n")).isEqualTo("guest.cfg:2: expected '=' after 'memory', found '64'");
        assertThat(error("\n\nmemory =\n")).isEqualTo("guest.cfg:3: expected a value for 'memory', found end of line");
        assertThat(error("memory = ")).isEqualTo("guest.cfg:1: expected a value for 'memory', found end of file");
        assertThat(error("name = hello\n")).isEqualTo("guest.cfg:1: expected a value for 'name', found 'hello'");
        assertThat(error("= 5\n")).isEqualTo("guest.cfg:1: expected a setting (key = value), found '='");
        assertThat(error("memory = 64 128\n"))
                .isEqualTo("guest.cfg:1: unexpected '128' after the value of 'memory' (one setting per line, or separate them with ';')");
        assertThat(error("'name' = 5")).isEqualTo("guest.cfg:1: expected a setting (key = value), found a string");
    }

    @Test
    void unterminatedStringsAndListsAreReportedWhereTheyStart() {
        assertThat(error("name = 'x'\nkernel = \"/boot/k\nmemory = 8\n"))
                .isEqualTo("guest.cfg:2: string not closed with \" before the end of the line");
        assertThat(error("disk = [ 'a',\n 'b'\n\n"))
                .isEqualTo("guest.cfg:4: the list of 'disk' opened on line 1 is not closed with ']'");
        assertThat(error("disk = [ 'a' 'b' ]")).isEqualTo("guest.cfg:1: expected ',' or ']' in the list of 'disk', found a string");
        assertThat(error("disk = [ 'a', , 'b' ]")).isEqualTo("guest.cfg:1: expected a value or ']' in the list of 'disk', found ','");
        assertThat(error("disk = [ ['a'] ]")).isEqualTo("guest.cfg:1: lists cannot be nested (in 'disk')");
    }

    @Test
    void lexicalErrors() {
        assertThat(error("\nMemory = 5")).isEqualTo(
                "guest.cfg:2: bad key 'Memory': keys are lower-case letters, digits and '_', starting with a letter");
        assertThat(error("memory = -5")).isEqualTo(
                "guest.cfg:1: unexpected '-' (xl.cfg is not Python: values are strings, numbers or [lists])");
        assertThat(error("kernel = os.path.join('a')")).isEqualTo("guest.cfg:1: expected a value for 'kernel', found 'os'");
        assertThat(error("memory = 5 @")).isEqualTo("guest.cfg:1: unexpected character '@'");
        assertThat(error("a = 'x\\qy'")).isEqualTo("guest.cfg:1: unknown escape '\\q' in a string");
        assertThat(error("a = '\\x4'")).isEqualTo("guest.cfg:1: '\\x' in a string needs two hex digits");
        assertThat(error("a = '\\777'")).isEqualTo("guest.cfg:1: octal escape '\\777' is larger than a byte");
        assertThat(error("a = 'ends in backslash\\")).isEqualTo("guest.cfg:1: string not closed with ' before the end of the line");
    }

    @Test
    void plusEqualsCannotMixStringsAndLists() {
        assertThat(error("disk = ['a']\n\ndisk += 'b'\n"))
                .isEqualTo("guest.cfg:3: cannot add a single value to 'disk', which is a list (set at guest.cfg:1)");
    }
}
