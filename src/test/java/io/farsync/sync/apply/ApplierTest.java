package io.farsync.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.WireEntry;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplierTest {

    private static final long T = 1_600_000_000_123_456_789L;

    @TempDir
    Path tmp;
    Path root;
    Applier applier;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        applier = new Applier(root);
    }

    @AfterEach
    void closeApplier() {
        applier.close();
    }

    private static WireEntry file(String path, int size) {
        return new WireEntry(path, EntryType.FILE, size, T, 0640, null);
    }

    private long tempCount() throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().contains(".farsync-")).count();
        }
    }

    @Test
    void commit_putsCompleteFileInPlace_withModeAndMtime() throws Exception {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        TempFile t = applier.createTemp(file("f.txt", 5), io.farsync.sync.Checksum.XXH64);
        t.write(data);
        assertThat(root.resolve("f.txt")).doesNotExist();
        assertThat(t.path().getFileName().toString()).startsWith(".f.txt.farsync-").endsWith(".tmp");

        Entry e = applier.commit(t, file("f.txt", 5));

        assertThat(root.resolve("f.txt")).hasBinaryContent(data);
        assertThat(e.mode()).isEqualTo(0640);
        assertThat(Files.getLastModifiedTime(root.resolve("f.txt")).to(TimeUnit.NANOSECONDS)).isEqualTo(T);
        assertThat(tempCount()).isZero();
    }

    @Test
    void commit_givesEveryPermissionBitAndTheNanosecondMtime() throws Exception {
        long mtime = 1_234_567_890_987_654_321L;
        for (int mode : new int[] {0751, 0600, 0444, 0777}) {
            WireEntry e = new WireEntry("m" + Integer.toOctalString(mode), EntryType.FILE, 1, mtime, mode, null);
            TempFile t = applier.createTemp(e, io.farsync.sync.Checksum.XXH64);
            t.write(new byte[] {7});

            Entry done = applier.commit(t, e);

            assertThat(done.mode()).as("mode %o", mode).isEqualTo(mode);
            assertThat(done.mtimeNanos()).isEqualTo(mtime);
            assertThat(Files.getLastModifiedTime(root.resolve(e.path())).to(TimeUnit.NANOSECONDS)).isEqualTo(mtime);
        }
    }

    @Test
    void onLinux_withTheOpensOfThePom_modeAndMtimeGoThroughTheDescriptor() {
        boolean linux = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
        assertThat(NativeFiles.available()).as("--add-opens java.base/sun.nio.ch (pom, bin/farsync)").isEqualTo(linux);
    }

    @Test
    void filesReceivedAfterTheApplierReplacedTheirDirectory_goIntoTheNewOne() throws Exception {
        WireEntry d = new WireEntry("d", EntryType.DIRECTORY, 0, T, 0755, null);
        applier.ensureDirectory(d);
        applier.commit(applier.createTemp(file("d/a", 0), io.farsync.sync.Checksum.XXH64), file("d/a", 0));
        Entry a = applier.current("d/a");
        assertThat(applier.delete("d/a", a, true)).isEqualTo(Applier.DeleteResult.DELETED);
        assertThat(applier.delete("d", applier.current("d"), true)).isEqualTo(Applier.DeleteResult.DELETED);
        applier.ensureDirectory(d);

        applier.commit(applier.createTemp(file("d/b", 0), io.farsync.sync.Checksum.XXH64), file("d/b", 0));

        assertThat(root.resolve("d/b")).exists();
    }

    @Test
    void aDirectoryRenamedByAnotherProcess_receivesNoFilesAfterTheNextCommitInterval() throws Exception {
        Files.createDirectories(root.resolve("d"));
        applier.commit(applier.createTemp(file("d/a", 0), io.farsync.sync.Checksum.XXH64), file("d/a", 0));
        Files.move(root.resolve("d"), root.resolve("moved"));
        Files.createDirectories(root.resolve("d"));

        applier.takeTouchedDirs();
        applier.commit(applier.createTemp(file("d/b", 0), io.farsync.sync.Checksum.XXH64), file("d/b", 0));

        assertThat(root.resolve("d/b")).exists();
        assertThat(root.resolve("moved/b")).doesNotExist();
    }

    @Test
    void tempFilesStillPending_keepTheirDirectoryOpen_whenTheApplierDropsItsHandles() throws Exception {
        Files.createDirectories(root.resolve("d"));
        TempFile a = applier.createTemp(file("d/a", 1), io.farsync.sync.Checksum.XXH64);
        TempFile b = applier.createTemp(file("d/b", 1), io.farsync.sync.Checksum.XXH64);
        a.write(new byte[] {1});
        b.write(new byte[] {2});

        applier.takeTouchedDirs();
        applier.commit(a, file("d/a", 1));
        applier.close();
        applier.commit(b, file("d/b", 1));

        assertThat(root.resolve("d/a")).hasBinaryContent(new byte[] {1});
        assertThat(root.resolve("d/b")).hasBinaryContent(new byte[] {2});
        assertThat(tempCount()).isZero();
    }

    @Test
    void discard_removesTheTempFile() throws Exception {
        TempFile t = applier.createTemp(file("f.txt", 5), io.farsync.sync.Checksum.XXH64);
        t.write(new byte[3]);
        t.discard();
        t.discard();
        assertThat(tempCount()).isZero();
        assertThat(root.resolve("f.txt")).doesNotExist();
    }

    @Test
    void commit_replacesAnEmptyDirectory_butNotAFullOne() throws Exception {
        Files.createDirectories(root.resolve("empty"));
        Files.createDirectories(root.resolve("full"));
        Files.writeString(root.resolve("full/keep"), "keep");

        TempFile a = applier.createTemp(file("empty", 0), io.farsync.sync.Checksum.XXH64);
        applier.commit(a, file("empty", 0));
        TempFile b = applier.createTemp(file("full", 0), io.farsync.sync.Checksum.XXH64);

        assertThat(Files.isRegularFile(root.resolve("empty"))).isTrue();
        assertThatThrownBy(() -> applier.commit(b, file("full", 0))).isInstanceOf(EntryFailure.class)
                .hasMessageContaining("non-empty directory");
        assertThat(root.resolve("full/keep")).hasContent("keep");
        assertThat(tempCount()).isZero();
    }

    @Test
    void symlinkedParent_isRefusedForEveryKindOfWrite() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("a"), outside);

        assertThatThrownBy(() -> applier.createTemp(file("a/x", 1), io.farsync.sync.Checksum.XXH64)).isInstanceOf(EntryFailure.class)
                .hasMessageContaining("path escapes the root");
        assertThatThrownBy(() -> applier.ensureDirectory(new WireEntry("a/d", EntryType.DIRECTORY, 0, T, 0755, null)))
                .isInstanceOf(EntryFailure.class);
        assertThatThrownBy(() -> applier.ensureSymlink(new WireEntry("a/l", EntryType.SYMLINK, 0, T, 0, "/")))
                .isInstanceOf(EntryFailure.class);
        assertThat(applier.current("a/x")).isNull();
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void invalidWirePath_endsTheSync() {
        assertThatThrownBy(() -> applier.target("../x")).isInstanceOf(FarsyncException.class);
    }

    @Test
    void symlink_isCreatedWithItsTextAndReplacedAtomically() throws Exception {
        WireEntry l1 = new WireEntry("l", EntryType.SYMLINK, 0, T, 0, "../somewhere/else");
        WireEntry l2 = new WireEntry("l", EntryType.SYMLINK, 0, T, 0, "/etc/hostname");

        assertThat(applier.ensureSymlink(l1)).isTrue();
        assertThat(applier.ensureSymlink(l1)).isFalse();
        assertThat(applier.ensureSymlink(l2)).isTrue();

        assertThat(Files.readSymbolicLink(root.resolve("l"))).hasToString("/etc/hostname");
        assertThat(tempCount()).isZero();
    }

    @Test
    void delete_removesOnlyWhatIsUnchanged() throws Exception {
        Files.writeString(root.resolve("same"), "12345");
        Files.writeString(root.resolve("edited"), "123456");
        Files.setLastModifiedTime(root.resolve("same"), java.nio.file.attribute.FileTime.from(T, TimeUnit.NANOSECONDS));
        Entry reference = new Entry("x", EntryType.FILE, 5, T, 0644, 0, null);

        assertThat(applier.delete("same", reference.withPath("same"), false)).isEqualTo(Applier.DeleteResult.DELETED);
        assertThat(applier.delete("edited", reference.withPath("edited"), false)).isEqualTo(Applier.DeleteResult.KEPT);
        assertThat(applier.delete("missing", reference.withPath("missing"), false)).isEqualTo(Applier.DeleteResult.GONE);
        assertThat(root.resolve("same")).doesNotExist();
        assertThat(root.resolve("edited")).exists();
    }

    /** a/b/f1 and a/b/f2, 5 bytes each, mtime T. */
    private void twoFilesInAB() throws Exception {
        Files.createDirectories(root.resolve("a/b"));
        for (String f : new String[] {"a/b/f1", "a/b/f2"}) {
            Files.writeString(root.resolve(f), "12345");
            Files.setLastModifiedTime(root.resolve(f), java.nio.file.attribute.FileTime.from(T, TimeUnit.NANOSECONDS));
        }
    }

    /** The record of a 5-byte file of mtime T (its path to be set). */
    private static final Entry FIVE_BYTES = new Entry("x", EntryType.FILE, 5, T, 0644, 0, null);

    /** {@link #twoFilesInAB}, then a/b/f1 moved to g1 (which verifies and opens a/b); the files' xxh64. */
    private long f1MovedToG1() throws Exception {
        twoFilesInAB();
        long hash = net.jpountz.xxhash.XXHashFactory.fastestInstance().hash64().hash("12345".getBytes(), 0, 5, 0);
        assertThat(applier.move("a/b/f1", "g1", FIVE_BYTES.withPath("a/b/f1"), false, hash)).isTrue();
        assertThat(root.resolve("g1")).hasContent("12345");
        return hash;
    }

    /** Removes a/b/f2, a/b and a behind the applier's back. */
    private void removeAB() throws Exception {
        Files.delete(root.resolve("a/b/f2"));
        Files.delete(root.resolve("a/b"));
        Files.delete(root.resolve("a"));
    }

    /** A parent verified earlier in the run and gone since: the file is gone too, not a failure. */
    @Test
    void delete_afterItsVerifiedParentVanished_isGone() throws Exception {
        twoFilesInAB();
        Entry reference = new Entry("x", EntryType.FILE, 5, T, 0644, 0, null);
        assertThat(applier.delete("a/b/f1", reference.withPath("a/b/f1"), false)).isEqualTo(Applier.DeleteResult.DELETED);
        applier.takeTouchedDirs();    // a commit: the open directories are dropped, the verified ones kept
        removeAB();

        assertThat(applier.delete("a/b/f2", reference.withPath("a/b/f2"), false)).isEqualTo(Applier.DeleteResult.GONE);
    }

    /** A move whose source's verified parent is gone since: nothing to move (the caller falls back), not a failure. */
    @Test
    void move_afterItsVerifiedParentVanished_isRefused() throws Exception {
        long hash = f1MovedToG1();
        assertThat(applier.move("a/b/f2", "g2", FIVE_BYTES.withPath("a/b/f2"), false, hash + 1)).as("other contents").isFalse();
        applier.takeTouchedDirs();    // a commit: the open directories are dropped, the verified ones kept
        removeAB();

        assertThat(applier.move("a/b/f2", "g2", FIVE_BYTES.withPath("a/b/f2"), false, hash)).isFalse();
        assertThat(root.resolve("g2")).doesNotExist();
    }

    /**
     * A move whose source's verified parent was swapped for a symlink to outside the root since:
     * refused (the caller sends the file instead), and nothing outside moves.
     */
    @Test
    void move_afterItsVerifiedParentBecameASymlink_isRefused_andNothingOutsideMoves() throws Exception {
        long hash = f1MovedToG1();
        applier.takeTouchedDirs();
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.move(root.resolve("a/b/f2"), outside.resolve("f2"));
        Files.delete(root.resolve("a/b"));
        Files.createSymbolicLink(root.resolve("a/b"), outside);

        assertThat(applier.move("a/b/f2", "g2", FIVE_BYTES.withPath("a/b/f2"), false, hash)).isFalse();
        assertThat(outside.resolve("f2")).hasContent("12345");
        assertThat(root.resolve("g2")).doesNotExist();
    }

    @Test
    void delete_leavesNonEmptyDirectories() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/own"), "x");
        Entry d = new Entry("d", EntryType.DIRECTORY, 0, T, 0755, 0, null);

        assertThat(applier.delete("d", d, false)).isEqualTo(Applier.DeleteResult.LEFT);
        assertThat(root.resolve("d/own")).exists();
    }

    @Test
    void directory_getsFinalModeAndMtimeAfterContents() throws Exception {
        WireEntry d = new WireEntry("d", EntryType.DIRECTORY, 0, T, 0555, null);
        assertThat(applier.ensureDirectory(d)).isTrue();
        TempFile t = applier.createTemp(file("d/f", 0), io.farsync.sync.Checksum.XXH64);
        applier.commit(t, file("d/f", 0));

        Applier.Applied done = applier.finishDirectory(d);

        assertThat(done.entry().mode()).isEqualTo(0555);
        assertThat(Files.getLastModifiedTime(root.resolve("d"), LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS)).isEqualTo(T);
    }

    @Test
    void quickCheckMtimes_tolerateCoarserDestinationClocks() {
        assertThat(Applier.mtimeMatches(T, T)).isTrue();
        assertThat(Applier.mtimeMatches(T, T - T % 1000)).isTrue();
        assertThat(Applier.mtimeMatches(T, T - T % 1_000_000_000L)).isTrue();
        assertThat(Applier.mtimeMatches(T, T + 1)).isFalse();
        assertThat(Applier.mtimeMatches(-1_500_000_000L, -2_000_000_000L)).isTrue();
    }
}
