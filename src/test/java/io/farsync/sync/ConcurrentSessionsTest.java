package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.version.VersionRow;
import io.farsync.sync.version.VersionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two bidirectional sessions on one root at once, interleaved deterministically through the
 * engine's hook between a session's last scan and the settling of its version vectors (no
 * sleeps): what one session delivers into the root while the other is still running keeps its
 * vector and writer, and the mesh settles without a conflict.
 */
class ConcurrentSessionsTest {
    private static final long T0 = RandomEdits.T0;
    private static final long SEC = 1_000_000_000L;

    @TempDir
    Path tmp;

    /**
     * b-c has scanned b (still holding the base) when a-b delivers a's edit into b and settles
     * it; then b-c settles. Its rows, read before the edit arrived, describe the base: they must
     * not turn b's row for the edit back into one for the base (the next refresh would then
     * count a's edit as b's own write, named after b in every conflict copy from then on).
     */
    @Test
    void aVersionDeliveredWhileAnotherSessionSettles_keepsItsVectorAndWriter() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path c = Files.createDirectories(tmp.resolve("c"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        BidiRun ab = new BidiRun(a, b, state.resolve("ab-a.db"), state.resolve("ab-b.db"), "hosta", "hostb");
        BidiRun bc = new BidiRun(b, c, state.resolve("bc-b.db"), state.resolve("bc-c.db"), "hostb", "hostc");
        BidiRun ac = new BidiRun(a, c, state.resolve("ac-a.db"), state.resolve("ac-c.db"), "hosta", "hostc");
        Trees.write(a.resolve("base.txt"), "base", T0);
        for (BidiRun p : List.of(ab, bc, ac)) {
            p.runOk();
        }
        Trees.write(a.resolve("base.txt"), "edited at a", T0 + 30 * SEC);
        bc.aBeforeSettle = () -> {
            try {
                assertThat(ab.runOk().filesTransferred()).as("a-b delivers a's edit into b meanwhile").isEqualTo(1);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(bc.runOk().upToDate()).as("b and c both held the base when b-c compared them").isTrue();
        bc.aBeforeSettle = () -> {
        };

        VersionRow atB = rowOf(b, state, "base.txt");
        VersionRow atA = rowOf(a, state, "base.txt");
        assertThat(atB.origin()).as("the edit's writer at b").isEqualTo("hosta");
        assertThat(atB.vector()).as("b's row is a's edit's").isEqualTo(atA.vector());
        assertThat(atB.size()).isEqualTo("edited at a".length());

        assertThat(bc.runOk().conflicts()).isZero();
        for (BidiRun p : List.of(ac, ab, bc)) {
            assertThat(p.runOk().upToDate()).as("%s <-> %s settled", p.a.getFileName(), p.b.getFileName()).isTrue();
        }
        for (Path root : List.of(a, b, c)) {
            assertThat(RandomEdits.files(root)).containsExactly("base.txt");
            assertThat(Files.readString(root.resolve("base.txt"))).isEqualTo("edited at a");
            assertThat(rowOf(root, state, "base.txt").origin()).as("the writer, the same at every replica").isEqualTo("hosta");
        }
    }

    private static VersionRow rowOf(Path root, Path state, String path) {
        try (VersionStore s = VersionStore.openFor(root, state)) {
            return s.rows().get(path);
        }
    }
}
