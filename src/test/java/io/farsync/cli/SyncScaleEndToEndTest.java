package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moves, delete policies and filters through the whole stack (CLI, SSH, UDP on loopback). */
class SyncScaleEndToEndTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    CliHarness h;
    Path src;
    Path dst;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        h = new CliHarness(tmp).startServer();
        src = Files.createDirectories(tmp.resolve("project"));
        dst = h.serverRoot.resolve("project");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private JsonNode sync(String... extra) throws Exception {
        Path stats = tmp.resolve("stats-" + System.nanoTime() + ".json");
        String[] args = new String[extra.length + 5];
        args[0] = "sync";
        args[1] = src.toString();
        args[2] = h.remote("/project");
        args[3] = "--stats-json";
        args[4] = stats.toString();
        System.arraycopy(extra, 0, args, 5, extra.length);
        CliHarness.Result r = h.run(args);
        JsonNode json = new ObjectMapper().readTree(stats.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("stdout", r.out()).put("stderr", r.err());
        return json;
    }

    /** Files in the renamed directory; -Dfarsync.test.renameFiles=20000 for the size. */
    private static final int RENAME_FILES = Integer.getInteger("farsync.test.renameFiles", 2000);

    @Test
    void directoryRename_of2000Files_travelsAsOneMove_wireBytesUnderOnePercentOfTheData() throws Exception {
        Random random = new Random(SEED);
        long data = 0;
        for (int i = 0; i < RENAME_FILES; i++) {
            int size = 2048 + random.nextInt(8192);
            Trees.write(src.resolve("photos/2024/d" + (i % Math.max(10, RENAME_FILES / 500)) + "/img" + i + ".jpg"), random, size);
            data += size;
        }
        assertThat(sync().get("exit_code").asInt()).isZero();
        Files.move(src.resolve("photos/2024"), src.resolve("photos/2024-archive"));

        JsonNode json = sync();

        assertThat(json.get("exit_code").asInt()).as(json.toString()).isZero();
        Trees.assertSameTree(src, dst);
        assertThat(json.get("files_moved").asLong()).isEqualTo(1);
        assertThat(json.get("files_transferred").asLong()).isZero();
        assertThat(json.get("bytes_transferred").asLong()).isZero();
        assertThat(json.get("stdout").asText()).contains("photos/2024 -> photos/2024-archive");
        long wire = json.get("wire_bytes").asLong();
        System.out.printf("e2e directory rename of %d files: %d wire bytes (%d control, %d udp) for %d bytes of data: %.3f %%%n",
                RENAME_FILES, wire,
                json.get("control_wire_bytes").asLong(), json.get("udp_wire_bytes").asLong(), data, 100.0 * wire / data);
        assertThat(wire).isLessThan(data / 100);
    }

    @Test
    void maxDelete_refusesWithExit11_andMirrorRemovesDestinationOnlyFiles() throws Exception {
        for (int i = 0; i < 10; i++) {
            Files.writeString(Files.createDirectories(src.resolve("d")).resolve("f" + i), "file " + i);
        }
        assertThat(sync().get("exit_code").asInt()).isZero();
        for (int i = 0; i < 3; i++) {
            Files.delete(src.resolve("d/f" + i));
        }

        JsonNode refused = sync("--max-delete", "2");

        assertThat(refused.get("exit_code").asInt()).as(refused.toString()).isEqualTo(11);
        assertThat(refused.get("stderr").asText()).contains("refusing to delete 3 entries");
        assertThat(dst.resolve("d/f0")).exists();

        Files.writeString(dst.resolve("d/only-here.txt"), "destination only");
        JsonNode mirrored = sync("--mirror", "--max-delete", "40%", "--delete-delay");

        assertThat(mirrored.get("exit_code").asInt()).as(mirrored.toString()).isZero();
        assertThat(mirrored.get("files_deleted").asLong()).isEqualTo(4);
        Trees.assertSameTree(src, dst);
    }

    @Test
    void emptiedSource_isRefusedWithExit11_untilMaxDelete100Percent() throws Exception {
        Files.writeString(src.resolve("a.txt"), "a");
        assertThat(sync().get("exit_code").asInt()).isZero();
        Files.delete(src.resolve("a.txt"));

        JsonNode refused = sync();

        assertThat(refused.get("exit_code").asInt()).isEqualTo(11);
        assertThat(refused.get("stderr").asText()).contains("is empty but held 1 entries").contains("not mounted?");
        assertThat(dst.resolve("a.txt")).exists();
        assertThat(sync("--max-delete", "100%").get("files_deleted").asLong()).isEqualTo(1);
    }

    @Test
    void contradictoryOrMalformedDeleteOptions_areUsageErrors() {
        CliHarness.Result a = h.run("sync", src.toString(), h.remote("/project"), "--mirror", "--ignore-delete");
        CliHarness.Result b = h.run("sync", src.toString(), h.remote("/project"), "--max-delete", "many");

        assertThat(a.exitCode()).isEqualTo(2);
        assertThat(a.err()).contains("--mirror contradicts --ignore-delete");
        assertThat(b.exitCode()).isEqualTo(2);
        assertThat(b.err()).contains("--max-delete 'many'");
    }

    @Test
    void includeExcludeAndExcludeFrom_travelToTheServerInOrder_forPushAndPull() throws Exception {
        Files.writeString(src.resolve("keep.log"), "kept");
        Files.writeString(src.resolve("drop.log"), "dropped");
        Files.writeString(src.resolve("notes.txt"), "notes");
        Files.createDirectories(src.resolve("build")).resolve("x.o").toFile().createNewFile();
        Path excludes = tmp.resolve("excludes.txt");
        Files.writeString(excludes, "# generated\nbuild/\n");

        JsonNode push = sync("--include", "keep.log", "--exclude", "*.log", "--exclude-from", excludes.toString());

        assertThat(push.get("exit_code").asInt()).as(push.toString()).isZero();
        assertThat(dst.resolve("keep.log")).exists();
        assertThat(dst.resolve("notes.txt")).exists();
        assertThat(dst.resolve("drop.log")).doesNotExist();
        assertThat(dst.resolve("build")).doesNotExist();

        Path pulled = tmp.resolve("pulled");
        CliHarness.Result pull = h.run("sync", h.remote("/project"), pulled.toString(), "--exclude", "/notes.txt");
        assertThat(pull.exitCode()).as(pull.toString()).isZero();
        assertThat(pulled.resolve("keep.log")).exists();
        assertThat(pulled.resolve("notes.txt")).doesNotExist();

        CliHarness.Result missing = h.run("sync", src.toString(), h.remote("/project"), "--exclude-from", tmp.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read --exclude-from");
    }

    @Test
    void checksumSha256_syncs_andAnUnknownKindIsAUsageError() throws Exception {
        Trees.write(src.resolve("data.bin"), new Random(SEED), 300_000);

        JsonNode json = sync("--checksum", "sha256");

        assertThat(json.get("exit_code").asInt()).as(json.toString()).isZero();
        Trees.assertSameTree(src, dst);
        CliHarness.Result bad = h.run("sync", src.toString(), h.remote("/project"), "--checksum", "md5");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown --checksum 'md5'");
    }

    @Test
    void pull_deleteLimitIsCheckedByTheServerSource_andReportedWithExit11() throws Exception {
        Path remote = Files.createDirectories(h.serverRoot.resolve("data"));
        for (int i = 0; i < 5; i++) {
            Files.writeString(remote.resolve("f" + i), "file " + i);
        }
        Path copy = tmp.resolve("copy");
        assertThat(h.run("sync", h.remote("/data"), copy.toString()).exitCode()).isZero();
        for (int i = 0; i < 5; i++) {
            Files.delete(remote.resolve("f" + i));
        }

        CliHarness.Result r = h.run("sync", h.remote("/data"), copy.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(11);
        assertThat(r.err()).contains("is empty but held 5 entries");
        assertThat(copy.resolve("f0")).exists();
    }
}
