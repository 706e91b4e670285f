package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.FarsyncException;
import io.farsync.sync.apply.BlockHashes;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import io.farsync.sync.scan.TempNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming a large file inside its contents after an interrupted transfer. */
class ResumeTest {

    private static final long T1 = 1_600_000_000_123_456_789L;
    private static final int MIB = 1 << 20;
    private static final int SIZE = 8 * MIB + 12_345;

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;
    long seed;

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
        seed = System.nanoTime();
        System.out.println("seed " + seed);
        Random rnd = new Random(seed);
        Trees.write(src.resolve("a-small.txt"), "small", T1);
        Trees.write(src.resolve("d/big.bin"), Trees.random(rnd, SIZE), T1);
        Trees.write(src.resolve("z-small.txt"), "last", T1);
    }

    private Path interruptMidway() throws Exception {
        sync.sourceOut = LinkDown.after(5 * MIB);
        SyncRun.Result r = sync.run();
        assertThat(r.destinationError()).isInstanceOf(FarsyncException.class);
        sync.sourceOut = UnaryOperator.identity();
        assertThat(dst.resolve("d/big.bin")).doesNotExist();
        List<Path> partials = Trees.tempFiles(dst);
        assertThat(partials).hasSize(1);
        assertThat(TempNames.isPartialName(partials.get(0).getFileName().toString())).isTrue();
        assertThat(partials.get(0).getFileName().toString()).startsWith(".big.bin.farsync-");
        return partials.get(0);
    }

    @Test
    void interruptedTransfer_resumesAtBlockLevel() throws Exception {
        Path partial = interruptMidway();
        long had = Files.size(partial);
        assertThat(had).isGreaterThan(3 * MIB);

        SyncResult r = sync.runOk();

        System.out.printf("partial held %d bytes; rerun sent %d of %d%n", had, r.bytesTransferred(), SIZE);
        assertThat(r.bytesTransferred()).isLessThanOrEqualTo(SIZE - had + BlockHashes.BLOCK + "last".length());
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void partialOfALongName_isListedByAdminUnderItsFinalPath_thoughItsNameIsTruncated() throws Exception {
        Files.delete(src.resolve("d/big.bin"));
        // 250 bytes: the partial name keeps only the first 200
        String longName = "x".repeat(240) + "-end.data";
        Trees.write(src.resolve("d/" + longName), Trees.random(new Random(seed), SIZE), T1);
        Path home = tmp.resolve("home");
        sync.dstDb = home.resolve("snapshots/0123456789abcdef.remote.db");
        sync.sourceOut = LinkDown.after(5 * MIB);
        assertThat(sync.run().destinationError()).isInstanceOf(FarsyncException.class);
        List<Path> partials = Trees.tempFiles(dst);
        assertThat(partials).hasSize(1);
        assertThat(partials.get(0).getFileName().toString()).doesNotContain("-end.data");

        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int code = io.farsync.cli.Main.run(new String[] {"admin", "show", "0123456789abcdef.remote", "--files", "--json"},
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8), System.err,
                java.util.Map.of("FARSYNC_HOME", home.toString()), false);
        com.fasterxml.jackson.databind.JsonNode files = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.toString(java.nio.charset.StandardCharsets.UTF_8)).get("files");

        assertThat(code).isZero();
        assertThat(files).anySatisfy(f -> {
            assertThat(f.get("state").asText()).isEqualTo("partial");
            assertThat(f.get("path").asText()).isEqualTo("d/" + longName);
            assertThat(f.get("partial_file").asText()).isEqualTo(partials.get(0).toString());
        });
        sync.sourceOut = UnaryOperator.identity();
        sync.runOk();
        Trees.assertSameTree(src, dst);
        try (io.farsync.sync.snapshot.SnapshotStore db = io.farsync.sync.snapshot.SnapshotStore.openReadOnly(sync.dstDb)) {
            assertThat(db.partials()).as("notes of a complete run's partials are cleared").isEmpty();
        }
    }

    @Test
    void partialOfAChangedSourceFile_isDiscarded() throws Exception {
        interruptMidway();
        Random rnd = new Random(seed + 1);
        Trees.write(src.resolve("d/big.bin"), Trees.random(rnd, SIZE), T1 + 1_000_000_000L);

        SyncResult r = sync.runOk();

        assertThat(r.bytesTransferred()).isGreaterThanOrEqualTo(SIZE);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).as("stale partial removed").isEmpty();
    }

    @Test
    void corruptedPartialBlock_isDetected_andSentAgainFromThere() throws Exception {
        Path partial = interruptMidway();
        try (RandomAccessFile f = new RandomAccessFile(partial.toFile(), "rw")) {
            f.seek(MIB + 100);
            int b = f.read();
            f.seek(MIB + 100);
            f.write(b ^ 0xff);
        }

        SyncResult r = sync.runOk();

        // blocks from the corrupted one on travel again; block 0 does not
        assertThat(r.bytesTransferred()).isBetween((long) SIZE - MIB, (long) SIZE - MIB + 100);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void partialOlderThanTheLimit_isRemovedByTheScan_andTheFileSentWhole() throws Exception {
        Path partial = interruptMidway();
        Files.setLastModifiedTime(partial, FileTime.from(Instant.now().minus(io.farsync.sync.scan.Scanner.MAX_PARTIAL_AGE)
                .minus(Duration.ofHours(1))));

        SyncResult r = sync.runOk();

        assertThat(r.bytesTransferred()).isGreaterThanOrEqualTo(SIZE);
        Trees.assertSameTree(src, dst);
        assertThat(Trees.tempFiles(dst)).isEmpty();
    }

    @Test
    void resumeFields_areBoundedAtTheReceiver() throws Exception {
        assertThatThrownBy(() -> decode(new Message.Resume(1, MIB, new long[MessageCodec.MAX_RESUME_BLOCKS + 1])))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] tooMany = encodeResume(1, MIB, MessageCodec.MAX_RESUME_BLOCKS + 1);
        byte[] oddBlock = encodeResume(1, MIB + 1, 1);
        byte[] shortOfHashes = encodeResume(1, MIB, 1000);

        for (byte[] frame : List.of(tooMany, oddBlock, java.util.Arrays.copyOf(shortOfHashes, 4 + 13 + 8))) {
            if (frame == shortOfHashes) {
                continue;
            }
            assertThatThrownBy(() -> new MessageCodec.Reader(new ByteArrayInputStream(fixLength(frame))).read())
                    .isInstanceOf(FarsyncException.class).hasMessageContaining("protocol error");
        }
        Message.Resume ok = new Message.Resume(3, 2 * MIB, new long[] {1, 2, 3});
        assertThat(decode(ok)).isEqualTo(ok);
        assertThat(decode(new Message.FileFrom(3, 4 * MIB))).isEqualTo(new Message.FileFrom(3, 4 * MIB));
    }

    private static Message decode(Message m) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MessageCodec.Writer w = new MessageCodec.Writer(bytes);
        w.write(m);
        w.flush();
        return new MessageCodec.Reader(new ByteArrayInputStream(bytes.toByteArray())).read();
    }

    /** A RESUME frame (type 18) claiming {@code blocks} hashes, carrying at most 8 of them. */
    private static byte[] encodeResume(int id, int blockSize, int blocks) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 1 + 12 + 8 * Math.min(blocks, 8));
        b.putInt(0).put((byte) 18).putInt(id).putInt(blockSize).putInt(blocks);
        while (b.hasRemaining()) {
            b.putLong(7);
        }
        return b.array();
    }

    private static byte[] fixLength(byte[] frame) {
        java.nio.ByteBuffer.wrap(frame).putInt(0, frame.length - 4);
        return frame;
    }
}
