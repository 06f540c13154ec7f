package dev.kmm.arena.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kmm.arena.layout.LayoutFields.Field;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks the layouts against the kernel this machine runs, through {@code pahole} on its BTF.
 *
 * <p>The running kernel is not 6.1 (on the reference machines it is a patched 6.18), so only what mainline
 * has kept unchanged since 6.1 is compared: the words of {@code struct page} that kmm's allocator uses,
 * {@code list_head}, {@code llist_node}, {@code zoneref}, the memblock structs, and the list part of
 * {@code free_area} (whose total size a vendor patch may change). Skipped, with the reason, where pahole or
 * the BTF is missing.
 */
class LiveKernelLayoutTest {
    private static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");
    /** A member line of pahole's C output: name, array dimensions or bit width, then the offset and size comment. */
    private static final Pattern MEMBER = Pattern.compile(
            "(\\w+)(?:\\[\\d*])*\\s*(?::\\s*\\d+)?(?:\\s+__attribute__\\(\\(.*\\)\\))?;\\s*/\\*\\s*(\\d+)(?::\\s*\\d+)?\\s+(\\d+)\\s*\\*/");
    private static final Pattern SIZE = Pattern.compile("/\\* size: (\\d+),");
    private static final Pattern ENUMERATOR = Pattern.compile("^\\s+(\\w+)\\s*=\\s*(-?\\d+),", Pattern.MULTILINE);

    /** The page members kmm's allocator relies on, unchanged in mainline from 6.1 to 6.18 ({@code index} aside). */
    private static final List<String> PAGE_WORDS = List.of("flags", "lru", "buddy_list", "pcp_list", "mapping",
            "private", "compound_head", "_mapcount", "page_type", "_refcount", "memcg_data");

    /** Offset and size of one member, as pahole prints it. */
    private record Member(long offset, long size) {
    }

    /** A struct as pahole prints it: sizeof and its members, anonymous ones flattened with absolute offsets. */
    private record LiveStruct(String name, long sizeof, Map<String, Member> members) {
        Member member(String field) {
            Member m = members.get(field);
            if (m == null) {
                fail("the running kernel's struct " + name + " has no member " + field + "; it has " + members.keySet());
            }
            return m;
        }
    }

    @BeforeAll
    static void needPaholeAndBtf() {
        assumeTrue(onPath("pahole"), "pahole is not on PATH, so the layouts cannot be checked against the running "
                + "kernel: install it with `apt-get install dwarves` (Debian/Ubuntu; `dnf install dwarves` on Fedora)");
        assumeTrue(Files.isReadable(BTF), BTF + " is not readable, so the running kernel's types are unknown: it "
                + "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y and read access to that file");
    }

    @Test
    void pageWordsAreWhereTheRunningKernelHasThem() throws Exception {
        LiveStruct live = struct("page");
        assertEquals(PageLayout.SIZE, live.sizeof(), "sizeof(struct page)");
        Map<String, Field> model = modelMembers(PageLayout.LAYOUT);
        for (String name : PAGE_WORDS) {
            Member m = live.member(name);
            assertEquals(model.get(name).offset(), m.offset(), "page." + name + " offset");
            assertEquals(model.get(name).size(), m.size(), "page." + name + " size");
        }
        // Linux 6.16 renamed page->index to __folio_index (this vendor kernel puts it in a union with its
        // own fields); the word is the same, so match it by offset and size under either name.
        List<String> atIndex = live.members().entrySet().stream()
                .filter(e -> e.getValue().equals(new Member(PageLayout.INDEX, Long.BYTES)))
                .map(Map.Entry::getKey).toList();
        assertTrue(atIndex.contains("index") || atIndex.contains("__folio_index"),
                "no index/__folio_index word at offset " + PageLayout.INDEX + "; members there: " + atIndex);
    }

    @Test
    void unchangedStructsMatchMemberForMember() throws Exception {
        for (StructLayout layout : List.of(ListHeadLayout.LAYOUT, LlistNodeLayout.LAYOUT, ZonerefLayout.LAYOUT,
                MemblockRegionLayout.LAYOUT, MemblockTypeLayout.LAYOUT, MemblockLayout.LAYOUT)) {
            String name = layout.name().orElseThrow();
            LiveStruct live = struct(name);
            assertEquals(layout.byteSize(), live.sizeof(), "sizeof(struct " + name + ")");
            Map<String, Member> model = new LinkedHashMap<>();
            modelMembers(layout).forEach((n, f) -> model.put(n, new Member(f.offset(), f.size())));
            assertEquals(model, live.members(), "members of struct " + name);
        }
    }

    @Test
    void freeAreaListsFollowTheRunningKernelsMigrateTypes() throws Exception {
        int migrateTypes = enumerator("migratetype", "MIGRATE_TYPES");
        FreeAreaLayout model = FreeAreaLayout.of(LayoutConfig.LINUX_6_1_X86_64.withMigrateTypes(migrateTypes));
        LiveStruct live = struct("free_area");
        assertEquals(new Member(model.freeList, migrateTypes * ListHeadLayout.SIZE), live.member("free_list"));
        assertEquals(new Member(model.nrFree, Long.BYTES), live.member("nr_free"));
    }

    private static Map<String, Field> modelMembers(StructLayout layout) {
        Map<String, Field> out = new LinkedHashMap<>();
        LayoutFields.flatten(layout).forEach(f -> out.put(f.name(), f));
        return out;
    }

    private static LiveStruct struct(String name) throws IOException, InterruptedException {
        String out = pahole(name);
        Matcher size = SIZE.matcher(out);
        if (!out.startsWith("struct " + name + " {") || !size.find()) {
            fail("pahole printed no struct " + name + " for " + BTF + ":\n" + out);
        }
        Map<String, Member> members = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            Matcher m = MEMBER.matcher(line);
            if (m.find()) {
                members.put(m.group(1), new Member(Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
            }
        }
        return new LiveStruct(name, Long.parseLong(size.group(1)), members);
    }

    private static int enumerator(String enumName, String enumerator) throws IOException, InterruptedException {
        Matcher m = ENUMERATOR.matcher(pahole(enumName));
        while (m.find()) {
            if (m.group(1).equals(enumerator)) {
                return Integer.parseInt(m.group(2));
            }
        }
        return fail("the running kernel's enum " + enumName + " has no " + enumerator);
    }

    private static String pahole(String type) throws IOException, InterruptedException {
        // stderr is dropped: pahole 1.24 warns about BTF kinds it does not know (decl/type tags), harmlessly.
        Process p = new ProcessBuilder("pahole", "-C", type, BTF.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("pahole -C " + type + " did not finish within 60 s");
        }
        if (p.exitValue() != 0) {
            fail("pahole -C " + type + " " + BTF + " exited with " + p.exitValue() + ":\n" + out);
        }
        return out;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator))
                .map(dir -> Path.of(dir, command))
                .anyMatch(Files::isExecutable);
    }
}
