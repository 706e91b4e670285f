package io.farsync.sync.version;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.EntryType;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The wire form of a replica's version rows, exchanged once at the start of a bidirectional sync
 * before the two one-way passes: a header ({@code FSVV}, the sync protocol version, the replica
 * id), then chunks of at most {@value #CHUNK} bytes ({@code int rows, int bytes, rows}), ended by a
 * chunk of 0 rows. The first endpoint sends then receives, the second the reverse, so only one
 * side writes at a time and neither can block the other. Everything read is bounded: a malformed
 * or hostile stream ends the sync with a protocol error, never an unbounded allocation.
 *
 * <p>Each sync sends the whole table (about 50 bytes plus the path per row); sending only rows
 * changed since the peer last heard (Syncthing's index sequence numbers) is the known next step
 * for trees of millions of paths.
 */
public final class VersionExchange {
    private static final int MAGIC = 0x46535656; // "FSVV"
    static final int CHUNK = 1024 * 1024;
    private static final int MAX_STRING = 64 * 1024;
    private static final int MAX_REPLICAS = 4096;

    private VersionExchange() {
    }

    /** Writes the header and every row, then flushes. */
    public static void send(OutputStream out, int protocolVersion, String replicaId, Collection<VersionRow> rows) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeInt(protocolVersion);
        writeString(d, replicaId);
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        int n = 0;
        for (VersionRow r : rows) {
            writeRow(c, r);
            n++;
            if (chunk.size() >= CHUNK - MAX_STRING * 4) {
                flushChunk(d, chunk, n);
                n = 0;
            }
        }
        if (n > 0) {
            flushChunk(d, chunk, n);
        }
        d.writeInt(0);
        d.writeInt(0);
        d.flush();
    }

    /**
     * Reads what {@link #send} wrote. Throws a TRANSFER_FAILED {@link FarsyncException} naming the
     * problem for a peer of another protocol version or a malformed stream.
     */
    public static NavigableMap<String, VersionRow> receive(InputStream in, int protocolVersion) throws IOException {
        DataInputStream d = new DataInputStream(in);
        NavigableMap<String, VersionRow> rows = new TreeMap<>();
        try {
            int magic = d.readInt();
            if (magic != MAGIC) {
                throw violation("the peer sent no version vectors: it runs a farsync older than sync protocol " + protocolVersion
                        + " (bidirectional and n-way sync need the same protocol on both ends)");
            }
            int version = d.readInt();
            if (version != protocolVersion) {
                throw violation("peer speaks sync protocol version " + version + ", this farsync speaks " + protocolVersion);
            }
            readString(d);
            while (true) {
                int n = d.readInt();
                int bytes = d.readInt();
                if (n == 0 && bytes == 0) {
                    return rows;
                }
                if (n <= 0 || bytes <= 0 || bytes > CHUNK) {
                    throw violation("bad version chunk (" + n + " rows, " + bytes + " bytes)");
                }
                byte[] buf = new byte[bytes];
                d.readFully(buf);
                ByteBuffer b = ByteBuffer.wrap(buf);
                for (int i = 0; i < n; i++) {
                    VersionRow r = readRow(b);
                    rows.put(r.path(), r);
                }
                if (b.hasRemaining()) {
                    throw violation("version chunk has " + b.remaining() + " bytes after its rows");
                }
            }
        } catch (EOFException e) {
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "the peer closed the session during the version exchange", e);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw violation("malformed version row: " + e.getMessage());
        }
    }

    private static void flushChunk(DataOutputStream d, ByteArrayOutputStream chunk, int n) throws IOException {
        d.writeInt(n);
        d.writeInt(chunk.size());
        chunk.writeTo(d);
        chunk.reset();
    }

    private static void writeRow(DataOutputStream c, VersionRow r) throws IOException {
        writeString(c, r.path());
        c.writeByte(r.deleted() ? -1 : r.type().code());
        c.writeLong(r.size());
        c.writeLong(r.mtimeNanos());
        writeString(c, r.linkTarget());
        writeString(c, r.origin());
        c.writeShort(r.vector().counters().size());
        for (var e : r.vector().counters().entrySet()) {
            writeString(c, e.getKey());
            c.writeLong(e.getValue());
        }
    }

    private static VersionRow readRow(ByteBuffer b) {
        String path = string(b);
        int t = b.get();
        long size = b.getLong();
        long mtime = b.getLong();
        String link = string(b);
        String origin = string(b);
        int k = Short.toUnsignedInt(b.getShort());
        if (k > MAX_REPLICAS) {
            throw new IllegalArgumentException("vector of " + k + " replicas");
        }
        TreeMap<String, Long> counters = new TreeMap<>();
        for (int i = 0; i < k; i++) {
            counters.put(string(b), b.getLong());
        }
        return new VersionRow(path, t == -1 ? null : EntryType.fromCode(t), size, mtime, link, new VersionVector(counters), origin);
    }

    private static void writeString(DataOutputStream d, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_STRING) {
            throw new IOException("string of " + bytes.length + " bytes is too long for the version exchange");
        }
        d.writeInt(bytes.length);
        d.write(bytes);
    }

    private static String readString(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > MAX_STRING) {
            throw violation("bad string length " + n);
        }
        byte[] bytes = new byte[n];
        d.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("bad string length " + n);
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static FarsyncException violation(String what) {
        return new FarsyncException(ExitCode.TRANSFER_FAILED, "protocol error: " + what);
    }
}
