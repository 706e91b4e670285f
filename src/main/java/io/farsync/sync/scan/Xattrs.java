package io.farsync.sync.scan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The extended attributes farsync carries ({@code --xattrs}): the {@code user.*} namespace of
 * regular files and directories, read through {@link UserDefinedFileAttributeView} (names here are
 * without the {@code user.} prefix, as that view gives them). Not carried: {@code security.*}
 * (SELinux labels), {@code system.*} (POSIX ACLs), {@code trusted.*}, and anything on symlinks
 * (Linux refuses user attributes on links).
 */
public final class Xattrs {

    /** Most bytes of names and values carried per entry: they travel inside one message frame. */
    public static final int MAX_TOTAL_BYTES = 32 * 1024;
    private static final XXHashFactory HASHES = XXHashFactory.fastestInstance();

    private Xattrs() {
    }

    /**
     * The user attributes of {@code file}, sorted by name; empty for a symlink or where the file
     * system has none. Throws if they cannot be read or exceed {@link #MAX_TOTAL_BYTES}.
     */
    public static SortedMap<String, byte[]> read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * As {@link #read(Path)}, but with {@code follow} those of what a symlink at {@code file}
     * leads to ({@code --symlinks follow}: the link is synced as that file or directory).
     */
    public static SortedMap<String, byte[]> read(Path file, boolean follow) throws IOException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        if (!follow && Files.isSymbolicLink(file)) {
            return out;
        }
        UserDefinedFileAttributeView view = follow ? Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                : Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return out;
        }
        int total = 0;
        for (String name : view.list()) {
            int size = view.size(name);
            total += name.getBytes(StandardCharsets.UTF_8).length + size;
            if (total > MAX_TOTAL_BYTES) {
                throw new IOException("extended attributes of more than " + MAX_TOTAL_BYTES + " bytes");
            }
            ByteBuffer buf = ByteBuffer.allocate(size);
            view.read(name, buf);
            byte[] value = new byte[buf.position()];
            buf.flip().get(value);
            out.put(name, value);
        }
        return out;
    }

    /**
     * A fingerprint of {@code file}'s user attributes for change detection: never 0 (0 means "not
     * read" in {@link Entry#xattrHash()}); 0 only if they cannot be read, so nothing is concluded.
     */
    public static long fingerprint(Path file) {
        return fingerprint(file, false);
    }

    /** As {@link #fingerprint(Path)}, through a symlink with {@code follow} ({@link #read(Path, boolean)}). */
    public static long fingerprint(Path file, boolean follow) {
        try {
            return fingerprint(read(file, follow));
        } catch (IOException e) {
            return 0;
        }
    }

    /** The fingerprint of a set of attributes (sorted by name), never 0. */
    public static long fingerprint(Map<String, byte[]> attrs) {
        StreamingXXHash64 h = HASHES.newStreamingHash64(0x5851L);
        for (Map.Entry<String, byte[]> a : new TreeMap<>(attrs).entrySet()) {
            byte[] name = a.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] lengths = ByteBuffer.allocate(8).putInt(name.length).putInt(a.getValue().length).array();
            h.update(lengths, 0, 8);
            h.update(name, 0, name.length);
            h.update(a.getValue(), 0, a.getValue().length);
        }
        long v = h.getValue();
        return v == 0 ? 1 : v;
    }
}
