package io.farsync.sync.version;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.Stat;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Content identity where type and size cannot tell: after the version exchange both replicas
 * know the same {@linkplain #candidates candidate paths}, the files both changed concurrently to
 * the same type and size but different mtimes (the same file copied in at both ends, say). Each
 * hashes only those of its own files (xxHash64) and sends the hashes in path order, first
 * endpoint first; equal hashes make the two versions the same content, so the sync only aligns
 * their mtimes instead of keeping a conflict copy. With no candidates (the usual case) nothing is
 * read and nothing is sent.
 */
public final class ContentHashes {
    /** Hash sent for a file that changed since its row was made (or could not be read): matches nothing. */
    static final long UNKNOWN = 0;

    private ContentHashes() {
    }

    /**
     * Paths whose rows on both sides are files of one size with mtimes apart, written
     * concurrently (or with vectors that do not order them), in path order. The same list on both
     * endpoints: it depends only on the two row sets.
     */
    public static List<String> candidates(NavigableMap<String, VersionRow> mine, NavigableMap<String, VersionRow> theirs) {
        List<String> out = new ArrayList<>();
        for (VersionRow m : mine.values()) {
            VersionRow q = theirs.get(m.path());
            if (q == null || m.deleted() || q.deleted() || m.type() != q.type() || m.type() != io.farsync.sync.scan.EntryType.FILE
                    || m.size() != q.size() || m.sameContent(q)) {
                continue;
            }
            VersionVector.Order o = m.vector().compare(q.vector());
            if (o != VersionVector.Order.BEFORE && o != VersionVector.Order.AFTER) {
                out.add(m.path());
            }
        }
        return out;
    }

    /** xxHash64 of each candidate file of {@code root} that its row still describes; {@link #UNKNOWN} for the others. */
    public static Map<String, Long> hash(Path root, List<String> paths, NavigableMap<String, VersionRow> mine) {
        Map<String, Long> out = new HashMap<>();
        XXHashFactory factory = XXHashFactory.fastestInstance();
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        for (String p : paths) {
            long h = UNKNOWN;
            try {
                Path file = root.resolve(p);
                Entry now = Stat.lstatOrNull(file, p);
                if (now != null && mine.get(p).describes(now)) {
                    StreamingXXHash64 x = factory.newStreamingHash64(0L);
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                        while (ch.read(buf.clear()) > 0) {
                            x.update(buf.array(), 0, buf.position());
                        }
                    }
                    h = x.getValue() == UNKNOWN ? 1 : x.getValue();
                }
            } catch (IOException e) {
                h = UNKNOWN;
            }
            out.put(p, h);
        }
        return out;
    }

    /** Writes the hashes of {@code paths} in order: an int count, then one long each. */
    public static void send(OutputStream out, List<String> paths, Map<String, Long> hashes) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(paths.size());
        for (String p : paths) {
            d.writeLong(hashes.getOrDefault(p, UNKNOWN));
        }
        d.flush();
    }

    /** Reads what {@link #send} wrote for the same {@code paths}; a count that differs is a protocol error. */
    public static Map<String, Long> receive(InputStream in, List<String> paths) throws IOException {
        DataInputStream d = new DataInputStream(in);
        try {
            int n = d.readInt();
            if (n != paths.size()) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "protocol error: the peer sent " + n
                        + " content hashes, expected " + paths.size());
            }
            Map<String, Long> out = new HashMap<>();
            for (String p : paths) {
                out.put(p, d.readLong());
            }
            return out;
        } catch (EOFException e) {
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "the peer closed the session during the content hash exchange", e);
        }
    }
}
