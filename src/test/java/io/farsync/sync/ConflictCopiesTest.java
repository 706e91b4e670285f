package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Stat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConflictCopies} on a real file system: what stays under the name, what the copy holds, which copies are made. */
class ConflictCopiesTest {
    private static final Instant T0 = Instant.parse("2024-03-01T12:00:00Z");
    private static final String COPY = "report.conflict-laptop-20240301T120040Z.txt";

    @TempDir
    Path root;

    @Test
    void fileLosingToAFile_isCopiedAside_andStaysUnderItsName() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop")).isEqualTo(COPY);
        assertThat(Files.readString(root.resolve("report.txt"))).as("replaced only by the winner's rename").isEqualTo("the loser");
        assertThat(Files.readString(root.resolve(COPY))).isEqualTo("the loser");
        assertThat(Files.getLastModifiedTime(root.resolve(COPY)).toInstant()).isEqualTo(T0.plusSeconds(40));
        assertThat(names()).as("no temp file left").containsExactlyInAnyOrder("report.txt", COPY);
    }

    @Test
    void theSameVersionKeptTwice_hasOneCopy() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop");
        // the first pass's source kept it; the second, receiving pass meets the same version again
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop")).isEqualTo(COPY);
        assertThat(names()).containsExactlyInAnyOrder("report.txt", COPY);
    }

    @Test
    void aNameTakenByAnotherVersion_getsTheNextSuffix() throws IOException {
        write(COPY, "another version", 40);
        Entry loser = write("report.txt", "the loser", 40);
        String copy = ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop");
        assertThat(copy).isEqualTo("report.conflict-laptop-20240301T120040Z-1.txt");
        assertThat(Files.readString(root.resolve(copy))).isEqualTo("the loser");
        assertThat(Files.readString(root.resolve(COPY))).isEqualTo("another version");
    }

    @Test
    void aFileReplacedSinceTheDecision_isNotKeptUnderTheOldVersionsName() throws IOException {
        Entry decided = write("report.txt", "the loser", 40);
        write("report.txt", "delivered meanwhile", 50); // another session's delivery
        assertThat(ConflictCopies.keep(root, "report.txt", decided, file("the winner", 50), "laptop")).isNull();
        assertThat(names()).containsExactly("report.txt");
        assertThat(Files.readString(root.resolve("report.txt"))).isEqualTo("delivered meanwhile");
    }

    @Test
    void fileLosingToADirectory_isMovedAside() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        Entry dir = new Entry("report.txt", io.farsync.sync.scan.EntryType.DIRECTORY, 0, 0, 0755, 0, 0, null, 0, 0, 1, 0);
        assertThat(ConflictCopies.keep(root, "report.txt", loser, dir, "laptop")).isEqualTo(COPY);
        assertThat(names()).as("the name is free for the directory").containsExactly(COPY);
    }

    @Test
    void theCopy_isForcedBeforeItIsPublished_andItsDirectorySyncedAfter() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        List<String> steps = new ArrayList<>();
        ConflictCopies.Durability recording = new ConflictCopies.Durability() {
            @Override
            public void force(Path file) throws IOException {
                steps.add("force " + file.getFileName() + (Files.exists(root.resolve(COPY)) ? " (published)" : ""));
                ConflictCopies.Durability.FSYNC.force(file);
            }

            @Override
            public void syncDirectory(Path dir) {
                steps.add("sync " + (dir.equals(root) ? "root" : dir) + (Files.exists(root.resolve(COPY)) ? " (published)" : ""));
            }
        };
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop", recording)).isEqualTo(COPY);
        // A power loss cannot be staged here; what is checked is that the fsyncs happen, and in this order.
        assertThat(steps).hasSize(2);
        assertThat(steps.get(0)).as("the temp copy, before its name exists").startsWith("force .").doesNotEndWith("(published)");
        assertThat(steps.get(1)).isEqualTo("sync root (published)");

        steps.clear();
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop", recording)).isEqualTo(COPY);
        assertThat(steps).as("a reused copy is forced too").containsExactly("force " + COPY + " (published)", "sync root (published)");
    }

    @Test
    void aFileWrittenInPlaceDuringTheCopy_isNotKeptUnderTheOldVersion() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        ConflictCopies.Durability rewriting = onForce(copy -> {
            // between the copy's before-look and its after-look: an editor saves in place
            try (FileChannel ch = FileChannel.open(root.resolve("report.txt"), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap("THE LOSER".getBytes(StandardCharsets.UTF_8)));
            }
            Files.setLastModifiedTime(root.resolve("report.txt"), FileTime.from(T0.plusSeconds(41)));
        });
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop", rewriting)).isNull();
        assertThat(names()).as("no copy labelled as the old version, no temp").containsExactly("report.txt");
        assertThat(Files.readString(root.resolve("report.txt"))).isEqualTo("THE LOSER");
    }

    @Test
    void aFileReplacedDuringTheCopy_bySameSizeAndMtime_isNotKept() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        ConflictCopies.Durability replacing = onForce(copy -> replaceWithNewInode("report.txt", "THE LOSER", 40));
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop", replacing)).isNull();
        assertThat(names()).containsExactly("report.txt");
    }

    @Test
    void aCopyOfTheSameSizeAndMtime_isNotReused_whenTheOriginalIsAnotherFile() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        write(COPY, "THE LOSER", 40); // kept by someone before
        replaceWithNewInode("report.txt", "THE LOSER", 40); // another session's delivery: same size and mtime, another inode
        assertThat(Stat.lstatOrNull(root.resolve("report.txt"), "report.txt").inode()).isNotEqualTo(loser.inode());
        assertThat(ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop")).isNull();
        assertThat(names()).containsExactlyInAnyOrder("report.txt", COPY);
    }

    @Test
    void aNameTakenBetweenTheCheckAndThePublication_isNotReplaced_theNextSuffixIsUsed() throws IOException {
        Entry loser = write("report.txt", "the loser", 40);
        ConflictCopies.Durability racing = onForce(copy -> {
            if (!Files.exists(root.resolve(COPY))) {
                write(COPY, "another version", 40); // another session, after the check
            }
        });
        String copy = ConflictCopies.keep(root, "report.txt", loser, file("the winner", 50), "laptop", racing);
        assertThat(copy).isEqualTo("report.conflict-laptop-20240301T120040Z-1.txt");
        assertThat(Files.readString(root.resolve(COPY))).isEqualTo("another version");
        assertThat(Files.readString(root.resolve(copy))).isEqualTo("the loser");
        assertThat(names()).containsExactlyInAnyOrder("report.txt", COPY, copy);
    }

    /** A durability that runs {@code action} where the copy is forced (between its before- and after-look), and syncs nothing. */
    private static ConflictCopies.Durability onForce(IoAction action) {
        return new ConflictCopies.Durability() {
            @Override
            public void force(Path file) throws IOException {
                action.run(file);
            }

            @Override
            public void syncDirectory(Path dir) {
            }
        };
    }

    @FunctionalInterface
    private interface IoAction {
        void run(Path file) throws IOException;
    }

    private void replaceWithNewInode(String rel, String content, int seconds) throws IOException {
        Path fresh = root.resolve(rel + ".new");
        Files.writeString(fresh, content);
        Files.setLastModifiedTime(fresh, FileTime.from(T0.plusSeconds(seconds)));
        Files.move(fresh, root.resolve(rel), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Entry write(String rel, String content, int seconds) throws IOException {
        Path f = root.resolve(rel);
        Files.writeString(f, content);
        Files.setLastModifiedTime(f, FileTime.from(T0.plusSeconds(seconds)));
        return Stat.lstatOrNull(f, rel);
    }

    private static Entry file(String content, int seconds) {
        long mtime = T0.plusSeconds(seconds).getEpochSecond() * 1_000_000_000L;
        return new Entry("report.txt", io.farsync.sync.scan.EntryType.FILE, content.length(), mtime, 0644, 0, 0, null, 0, 0, 1, 0);
    }

    private java.util.List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
