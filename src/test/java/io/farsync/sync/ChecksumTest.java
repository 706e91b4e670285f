package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** --checksum: every kind round-trips; a mismatch is sent again once and never applied. */
class ChecksumTest extends SyncFixture {

    private static final int SIZE = 600_000;

    @BeforeEach
    void setUp() throws IOException {
        byte[] zs = new byte[SIZE];
        Arrays.fill(zs, (byte) 'Z');
        Trees.write(src.resolve("victim.bin"), zs, T1);
        Trees.write(src.resolve("fine.txt"), "fine", T1);
    }

    /** Flips the middle 'Z' of every pass over the victim's data (no other run of 'Z's crosses the wire). */
    private static OutputStream corruptEveryPass(OutputStream out) {
        long[] zCount = {0};
        return new RewritingStream(out, b -> b == 'Z' && ++zCount[0] % SIZE == SIZE / 2 ? 'Y' : b);
    }

    @ParameterizedTest
    @EnumSource(Checksum.class)
    void everyKind_syncsTheTree(Checksum kind) throws Exception {
        sync.options = SyncOptions.defaults().withChecksum(kind);

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        Trees.assertSameTree(src, dst);
    }

    @ParameterizedTest
    @EnumSource(value = Checksum.class, names = {"XXH64", "SHA256"})
    void persistentCorruption_isRefusedTwice_andNeverApplied(Checksum kind) throws Exception {
        sync.options = SyncOptions.defaults().withChecksum(kind);
        sync.sourceOut = ChecksumTest::corruptEveryPass;

        SyncResult r = sync.runOk();

        assertThat(r.errors()).singleElement().asString().contains("victim.bin")
                .contains("checksum mismatch (" + kind.id()).contains("twice; not applied");
        assertThat(r.bytesTransferred()).isEqualTo(2L * SIZE + 4);
        assertThat(dst.resolve("victim.bin")).doesNotExist();
        assertThat(dst.resolve("fine.txt")).hasContent("fine");
        assertThat(Trees.tempFiles(dst)).isEmpty();

        sync.sourceOut = out -> out;
        assertThat(sync.runOk().filesTransferred()).as("retried by the next run").isEqualTo(1);
        Trees.assertSameTree(src, dst);
    }

    @Test
    void checksumNone_appliesWhatArrives() throws Exception {
        sync.options = SyncOptions.defaults().withChecksum(Checksum.NONE);
        sync.sourceOut = ChecksumTest::corruptEveryPass;

        SyncResult r = sync.runOk();

        assertThat(r.errors()).isEmpty();
        assertThat(Files.readString(dst.resolve("victim.bin"))).contains("Y");
    }

    @Test
    void parse_acceptsTheThreeNames_andRejectsOthers() {
        assertThat(Checksum.parse("SHA256")).isEqualTo(Checksum.SHA256);
        assertThat(Checksum.parse("xxh64").length()).isEqualTo(8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Checksum.parse("md5")).hasMessageContaining("expected xxh64, sha256 or none");
    }
}
