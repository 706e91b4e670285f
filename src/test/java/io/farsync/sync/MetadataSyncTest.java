package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.farsync.sync.apply.Metadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Owners ({@code --preserve-owner}) and user extended attributes ({@code --xattrs}) between two endpoints. */
class MetadataSyncTest {

    private static final long T1 = 1_600_000_000_123_456_789L;
    private static final int UID = 4242;
    private static final int GID = 4343;

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;
    final List<String> metadataUpdates = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.destinationListener = SyncRun.noting(SyncListener.EntryAction.METADATA, metadataUpdates);
        Trees.write(src.resolve("d/file.txt"), "contents", T1);
        Trees.write(src.resolve("top.bin"), new byte[5000], T1);
        Files.createSymbolicLink(src.resolve("d/link"), Path.of("file.txt"));
    }

    private void chownTree(int uid, int gid) throws IOException {
        for (String p : List.of("d", "d/file.txt", "top.bin", "d/link")) {
            Files.setAttribute(src.resolve(p), "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(src.resolve(p), "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int gid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void preserveOwner_asRoot_givesEveryEntryTheSourceOwner_andAnOwnerChangeIsAMetadataUpdate() throws Exception {
        assumeTrue(Metadata.runningAsRoot(), "needs root to give files away (CI runs as root)");
        chownTree(UID, GID);
        sync.options = SyncOptions.defaults().withPreserveOwner(true);

        sync.runOk();

        for (String p : List.of("d", "d/file.txt", "top.bin", "d/link")) {
            assertThat(uid(dst.resolve(p))).as("uid of %s", p).isEqualTo(UID);
            assertThat(gid(dst.resolve(p))).as("gid of %s", p).isEqualTo(GID);
        }
        Trees.assertSameTree(src, dst);

        Files.setAttribute(src.resolve("d/file.txt"), "unix:uid", UID + 1, LinkOption.NOFOLLOW_LINKS);
        SyncResult r = sync.runOk();

        assertThat(uid(dst.resolve("d/file.txt"))).isEqualTo(UID + 1);
        assertThat(r.filesTransferred()).as("an owner change is not a re-send").isZero();
        assertThat(r.bytesTransferred()).isZero();
        assertThat(metadataUpdates).containsExactly("d/file.txt");
    }

    @Test
    void withoutPreserveOwner_entriesBelongToTheReceiver() throws Exception {
        assumeTrue(Metadata.runningAsRoot(), "needs root to chown the source tree (CI runs as root)");
        chownTree(UID, GID);

        sync.runOk();

        int me = uid(tmp);
        for (String p : List.of("d", "d/file.txt", "top.bin", "d/link")) {
            assertThat(uid(dst.resolve(p))).as("uid of %s", p).isEqualTo(me).isNotEqualTo(UID);
        }
        Trees.assertSameTree(src, dst);
    }

    @Test
    void preserveOwner_turnedOnForAnExistingSession_fixesOwnersWithoutResending() throws Exception {
        assumeTrue(Metadata.runningAsRoot(), "needs root to give files away (CI runs as root)");
        chownTree(UID, GID);
        sync.runOk();
        sync.options = SyncOptions.defaults().withPreserveOwner(true);

        SyncResult r = sync.runOk();

        assertThat(uid(dst.resolve("d/file.txt"))).isEqualTo(UID);
        assertThat(uid(dst.resolve("d/link"))).isEqualTo(UID);
        assertThat(r.bytesTransferred()).isZero();
    }

    private static void setXattr(Path p, String name, String value) throws IOException {
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static TreeMap<String, String> xattrs(Path p) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        TreeMap<String, String> out = new TreeMap<>();
        for (String name : view.list()) {
            ByteBuffer b = ByteBuffer.allocate(view.size(name));
            view.read(name, b);
            out.put(name, new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private boolean userXattrsSupported() {
        try {
            Path probe = Files.createFile(tmp.resolve("xattr-probe"));
            setXattr(probe, "probe", "1");
            Files.delete(probe);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Test
    void xattrs_areCarried_andAChangeOfXattrsOnlyIsAMetadataUpdate() throws Exception {
        assumeTrue(userXattrsSupported(), "the file system of " + tmp + " does not support user.* extended attributes");
        setXattr(src.resolve("d/file.txt"), "mime_type", "text/plain");
        setXattr(src.resolve("d/file.txt"), "checksum", "abc");
        setXattr(src.resolve("d"), "project", "farsync");
        sync.options = SyncOptions.defaults().withXattrs(true);

        sync.runOk();

        assertThat(xattrs(dst.resolve("d/file.txt"))).containsExactly(java.util.Map.entry("checksum", "abc"),
                java.util.Map.entry("mime_type", "text/plain"));
        assertThat(xattrs(dst.resolve("d"))).containsExactly(java.util.Map.entry("project", "farsync"));
        assertThat(xattrs(dst.resolve("top.bin"))).isEmpty();
        Trees.assertSameTree(src, dst);

        setXattr(src.resolve("d/file.txt"), "checksum", "def");
        Files.getFileAttributeView(src.resolve("d/file.txt"), UserDefinedFileAttributeView.class).delete("mime_type");
        SyncResult r = sync.runOk();

        assertThat(xattrs(dst.resolve("d/file.txt"))).containsExactly(java.util.Map.entry("checksum", "def"));
        assertThat(r.bytesTransferred()).as("an xattr change is not a re-send").isZero();
        assertThat(metadataUpdates).containsExactly("d/file.txt");
    }

    @Test
    void withoutXattrs_noneAreCarried() throws Exception {
        assumeTrue(userXattrsSupported(), "the file system of " + tmp + " does not support user.* extended attributes");
        setXattr(src.resolve("d/file.txt"), "mime_type", "text/plain");

        sync.runOk();

        assertThat(xattrs(dst.resolve("d/file.txt"))).isEmpty();
    }
}
