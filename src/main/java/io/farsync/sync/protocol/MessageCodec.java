package io.farsync.sync.protocol;

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
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Frames messages on a byte stream: {@code u32 length, u8 type, payload}, big-endian; strings
 * are {@code u32 length} + strict UTF-8. A reader refuses frames over {@link #MAX_FRAME} and
 * malformed contents with {@code TRANSFER_FAILED} ("protocol error: ..."), so a hostile peer
 * cannot make it allocate without bound.
 */
public final class MessageCodec {

    /** Largest file chunk in one {@link Message.FileData}. */
    public static final int MAX_CHUNK = 256 * 1024;
    static final int MAX_FRAME = MAX_CHUNK + 1024;
    static final int MAX_STRING = 64 * 1024;
    /**
     * Largest file sent whole in one {@link Message.FileInline}. Half a chunk: the frame keeps
     * room for a long path and extended attributes, and a file the destination turns out to have
     * already costs at most this much wasted link.
     */
    public static final int INLINE_MAX = MAX_CHUNK / 2;
    /** Longest checksum a FileEnd may carry. */
    public static final int MAX_DIGEST = 64;
    /** Most block hashes a {@link Message.Resume} may carry (32 KiB of hashes). */
    public static final int MAX_RESUME_BLOCKS = 4096;
    /** Smallest and largest block a {@link Message.Resume} may use. */
    public static final int MIN_RESUME_BLOCK = 64 * 1024;
    public static final int MAX_RESUME_BLOCK = 1 << 30;

    private static final byte HELLO = 1;
    private static final byte DEVIATIONS = 2;
    private static final byte DELETE = 3;
    private static final byte META = 4;
    private static final byte ENTRY_ERROR = 5;
    private static final byte META_END = 6;
    private static final byte NEED = 7;
    private static final byte ACK = 8;
    private static final byte FILE_DATA = 9;
    private static final byte FILE_END = 10;
    private static final byte FILE_ABORT = 11;
    private static final byte SUMMARY = 12;
    private static final byte ABORT = 13;
    private static final byte BYE = 14;
    private static final byte MOVE = 15;
    private static final byte EXTRAS = 16;
    private static final byte FILE_RESTART = 17;
    private static final byte RESUME = 18;
    private static final byte FILE_FROM = 19;
    private static final byte LINK = 20;
    private static final byte FILE_INLINE = 21;
    private static final byte META_EAGER = 22;
    /** Smallest encoded {@link WireEntry}: empty path, no link target, no xattrs. */
    private static final int MIN_ENTRY_BYTES = 4 + 1 + 8 + 8 + 4 + 1 + 4 + 4 + 4;
    /** Most extended attributes one entry may carry. */
    static final int MAX_XATTRS = 1024;
    // persistent sessions (continuous mode); numbered apart from the conversation's own messages
    private static final byte BATCH_START = 40;
    private static final byte BATCH_READY = 41;
    private static final byte HINTS = 42;
    private static final byte SESSION_END = 43;

    private MessageCodec() {
    }

    /** Writes messages to a stream. Not thread-safe; the caller buffers and flushes. */
    public static final class Writer {
        private final OutputStream out;
        private final Frame frame = new Frame();
        private final DataOutputStream body = new DataOutputStream(frame);
        private final byte[] fileDataHead = new byte[4 + FILE_DATA_HEAD];

        public Writer(OutputStream out) {
            this.out = out;
        }

        public void write(Message m) throws IOException {
            if (m instanceof Message.FileData d) {
                writeFileData(d);
                return;
            }
            frame.reset();
            encode(m, body);
            body.flush();
            if (frame.size() > MAX_FRAME) {
                throw new IllegalArgumentException("message too large (" + frame.size() + " bytes): " + m.getClass().getSimpleName());
            }
            int n = frame.size();
            out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            frame.writeTo(out);
        }

        /**
         * File data, the bulk of a sync, goes out without first being copied into the frame
         * buffer ({@link #encode} leaves it to this): type, id, length, data.
         */
        private void writeFileData(Message.FileData d) throws IOException {
            int len = d.data().length;
            if (len > MAX_CHUNK) {
                throw new IllegalArgumentException("chunk of " + len + " bytes exceeds " + MAX_CHUNK);
            }
            ByteBuffer head = ByteBuffer.wrap(fileDataHead);
            head.putInt(FILE_DATA_HEAD + len).put(FILE_DATA).putInt(d.id()).putInt(len);
            out.write(fileDataHead);
            out.write(d.data());
        }

        public void flush() throws IOException {
            out.flush();
        }
    }

    /** A FileData frame's bytes before its data: type, id, length. */
    private static final int FILE_DATA_HEAD = 1 + 4 + 4;

    /** Reads messages from a stream. Not thread-safe. */
    public static final class Reader {
        private final DataInputStream in;
        private final IntFunction<byte[]> dataArrays;

        public Reader(InputStream in) {
            this(in, byte[]::new);
        }

        /**
         * @param dataArrays gives the array of exactly the asked length that a FileData frame's
         *     data is read into (a pool's, to reuse them; the message then owns it)
         */
        public Reader(InputStream in, IntFunction<byte[]> dataArrays) {
            this.in = new DataInputStream(in);
            this.dataArrays = dataArrays;
        }

        /** The next message; {@link EOFException} if the stream ends, cleanly or mid-frame. */
        public Message read() throws IOException {
            int n = in.readInt();
            if (n < 1 || n > MAX_FRAME) {
                throw protocol("frame length " + n + " outside 1.." + MAX_FRAME);
            }
            int type = in.readUnsignedByte();
            if (type == FILE_DATA && n >= FILE_DATA_HEAD) {
                return readFileData(n);
            }
            byte[] buf = new byte[n];
            buf[0] = (byte) type;
            in.readFully(buf, 1, n - 1);
            ByteBuffer b = ByteBuffer.wrap(buf);
            try {
                Message m = decode(b);
                if (b.hasRemaining()) {
                    throw protocol(b.remaining() + " stray bytes after " + m.getClass().getSimpleName());
                }
                return m;
            } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
                throw protocol("malformed message of type " + buf[0] + ": " + e.getMessage());
            }
        }

        /**
         * The rest of a FileData frame of {@code n} bytes, its data read straight into the
         * message's array (the bulk of a sync: one copy fewer than {@link #decode}), with the
         * same checks.
         */
        private Message readFileData(int n) throws IOException {
            int id = in.readInt();
            int len = in.readInt();
            if (len < 0 || len > MAX_CHUNK || len > n - FILE_DATA_HEAD) {
                throw protocol("chunk length " + len + " invalid");
            }
            if (len < n - FILE_DATA_HEAD) {
                throw protocol((n - FILE_DATA_HEAD - len) + " stray bytes after FileData");
            }
            byte[] data = dataArrays.apply(len);
            in.readFully(data);
            return new Message.FileData(id, data);
        }
    }

    private static void checkResume(int blockSize, int blocks) {
        if (blockSize < MIN_RESUME_BLOCK || blockSize > MAX_RESUME_BLOCK || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("resume block size " + blockSize + " is not a power of two in "
                    + MIN_RESUME_BLOCK + ".." + MAX_RESUME_BLOCK);
        }
        if (blocks < 1 || blocks > MAX_RESUME_BLOCKS) {
            throw new IllegalArgumentException("resume with " + blocks + " blocks, outside 1.." + MAX_RESUME_BLOCKS);
        }
    }

    /** Bytes {@code e} takes in a frame: to fill list messages without exceeding {@link #MAX_FRAME}. */
    public static int encodedSize(WireEntry e) {
        int xattrs = 0;
        if (e.xattrs() != null) {
            for (Map.Entry<String, byte[]> a : e.xattrs().entrySet()) {
                xattrs += 8 + utf8(a.getKey()).length + a.getValue().length;
            }
        }
        return MIN_ENTRY_BYTES + utf8(e.path()).length + (e.linkTarget() == null ? 0 : 4 + utf8(e.linkTarget()).length) + xattrs;
    }

    /** Room for list contents in one frame, leaving space for the message's own fields. */
    public static final int LIST_BUDGET = MAX_FRAME - 1024;

    /**
     * The error lines a {@link Message.Summary} can carry in one frame: the first ones, then a
     * line saying how many were cut. Both endpoints report this same list.
     */
    public static List<String> fitInFrame(List<String> errors) {
        int budget = MAX_FRAME - 256;
        List<String> kept = new ArrayList<>();
        for (String e : errors) {
            int cost = 4 + Math.min(utf8(e).length, MAX_STRING);
            if (cost > budget - 64) {
                break;
            }
            kept.add(e);
            budget -= cost;
        }
        if (kept.size() < errors.size()) {
            kept.add("... and " + (errors.size() - kept.size()) + " more errors (see the destination's log)");
        }
        return kept;
    }

    private static void encode(Message m, DataOutputStream o) throws IOException {
        if (m instanceof Message.Hello h) {
            o.writeByte(HELLO);
            o.writeInt(h.version());
            str(o, h.snapshotId());
        } else if (m instanceof Message.Deviations d) {
            o.writeByte(DEVIATIONS);
            o.writeBoolean(d.last());
            o.writeBoolean(d.emptyTree());
            o.writeBoolean(d.partials());
            o.writeInt(d.paths().size());
            for (String p : d.paths()) {
                str(o, p);
            }
        } else if (m instanceof Message.Extras x) {
            o.writeByte(EXTRAS);
            o.writeBoolean(x.last());
            o.writeInt(x.entries().size());
            for (WireEntry e : x.entries()) {
                entry(o, e);
            }
        } else if (m instanceof Message.Delete d) {
            o.writeByte(DELETE);
            o.writeInt(d.id());
            entry(o, d.expected());
        } else if (m instanceof Message.Move mv) {
            o.writeByte(MOVE);
            o.writeInt(mv.id());
            entry(o, mv.from());
            entry(o, mv.to());
            o.writeLong(mv.xxhash64());
            o.writeBoolean(mv.carry());
        } else if (m instanceof Message.Link l) {
            o.writeByte(LINK);
            o.writeInt(l.id());
            entry(o, l.entry());
            entry(o, l.target());
        } else if (m instanceof Message.Meta d) {
            o.writeByte(META);
            o.writeInt(d.id());
            entry(o, d.entry());
        } else if (m instanceof Message.MetaEager d) {
            o.writeByte(META_EAGER);
            o.writeInt(d.id());
            entry(o, d.entry());
        } else if (m instanceof Message.EntryError e) {
            o.writeByte(ENTRY_ERROR);
            str(o, e.path());
            str(o, e.reason());
        } else if (m instanceof Message.MetaEnd e) {
            o.writeByte(META_END);
            o.writeLong(e.entriesChecked());
            o.writeInt(e.rootMode());
            o.writeLong(e.rootMtimeNanos());
        } else if (m instanceof Message.Need n) {
            o.writeByte(NEED);
            o.writeInt(n.id());
        } else if (m instanceof Message.Resume r) {
            checkResume(r.blockSize(), r.blockHashes().length);
            o.writeByte(RESUME);
            o.writeInt(r.id());
            o.writeInt(r.blockSize());
            o.writeInt(r.blockHashes().length);
            for (long h : r.blockHashes()) {
                o.writeLong(h);
            }
        } else if (m instanceof Message.FileFrom f) {
            o.writeByte(FILE_FROM);
            o.writeInt(f.id());
            o.writeLong(f.offset());
        } else if (m instanceof Message.Ack a) {
            o.writeByte(ACK);
            o.writeInt(a.id());
            o.writeByte(a.outcome().ordinal());
            nullableStr(o, a.detail());
        } else if (m instanceof Message.FileEnd e) {
            if (e.digest().length > MAX_DIGEST) {
                throw new IllegalArgumentException("digest of " + e.digest().length + " bytes exceeds " + MAX_DIGEST);
            }
            o.writeByte(FILE_END);
            o.writeInt(e.id());
            o.writeByte(e.digest().length);
            o.write(e.digest());
        } else if (m instanceof Message.FileInline f) {
            if (f.digest().length > MAX_DIGEST || f.data().length > INLINE_MAX || f.data().length != f.entry().size()) {
                throw new IllegalArgumentException("inline file of " + f.data().length + " bytes (entry: " + f.entry().size()
                        + ", digest " + f.digest().length + ")");
            }
            o.writeByte(FILE_INLINE);
            o.writeInt(f.id());
            entry(o, f.entry());
            o.writeByte(f.digest().length);
            o.write(f.digest());
            o.writeInt(f.data().length);
            o.write(f.data());
        } else if (m instanceof Message.FileRestart r) {
            o.writeByte(FILE_RESTART);
            o.writeInt(r.id());
            entry(o, r.entry());
        } else if (m instanceof Message.FileAbort a) {
            o.writeByte(FILE_ABORT);
            o.writeInt(a.id());
            str(o, a.reason());
        } else if (m instanceof Message.Summary s) {
            o.writeByte(SUMMARY);
            o.writeLong(s.filesTransferred());
            o.writeLong(s.bytesTransferred());
            o.writeLong(s.filesDeleted());
            o.writeLong(s.filesMoved());
            o.writeLong(s.entriesChecked());
            List<String> kept = fitInFrame(s.errors());
            o.writeInt(kept.size());
            for (String e : kept) {
                str(o, e);
            }
        } else if (m instanceof Message.Abort a) {
            o.writeByte(ABORT);
            o.writeInt(a.exitCode());
            str(o, a.message());
        } else if (m instanceof Message.Bye) {
            o.writeByte(BYE);
        } else if (m instanceof Message.BatchStart bs) {
            o.writeByte(BATCH_START);
            o.writeInt(bs.version());
            o.writeLong(bs.seq());
            o.writeBoolean(bs.wholeTree());
            o.writeBoolean(bs.last());
            strings(o, bs.paths());
        } else if (m instanceof Message.BatchReady r) {
            o.writeByte(BATCH_READY);
            o.writeLong(r.seq());
        } else if (m instanceof Message.Hints h) {
            o.writeByte(HINTS);
            o.writeBoolean(h.wholeTree());
            nullableStr(o, h.warning());
            strings(o, h.paths());
        } else if (m instanceof Message.SessionEnd) {
            o.writeByte(SESSION_END);
        } else {
            throw new IllegalArgumentException("unknown message " + m);
        }
    }

    private static Message decode(ByteBuffer b) throws IOException {
        byte type = b.get();
        switch (type) {
            case HELLO:
                return new Message.Hello(b.getInt(), str(b));
            case DEVIATIONS: {
                boolean last = bool(b);
                boolean empty = bool(b);
                boolean partials = bool(b);
                int n = count(b, 4);
                List<String> paths = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    paths.add(str(b));
                }
                return new Message.Deviations(paths, last, empty, partials);
            }
            case EXTRAS: {
                boolean last = bool(b);
                int n = count(b, MIN_ENTRY_BYTES);
                List<WireEntry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    entries.add(entry(b));
                }
                return new Message.Extras(entries, last);
            }
            case DELETE:
                return new Message.Delete(b.getInt(), entry(b));
            case META:
                return new Message.Meta(b.getInt(), entry(b));
            case META_EAGER: {
                int id = b.getInt();
                WireEntry entry = entry(b);
                if (entry.type() != EntryType.FILE) {
                    throw protocol("eager contents announced for a " + entry.type());
                }
                return new Message.MetaEager(id, entry);
            }
            case LINK: {
                int id = b.getInt();
                WireEntry entry = entry(b);
                WireEntry target = entry(b);
                if (entry.type() != EntryType.FILE || target.type() != EntryType.FILE) {
                    throw protocol("hard link of a non-file: " + entry.path());
                }
                return new Message.Link(id, entry, target);
            }
            case MOVE: {
                int id = b.getInt();
                WireEntry from = entry(b);
                WireEntry to = entry(b);
                if (from.type() != to.type()) {
                    throw protocol("move changes the type of " + from.path());
                }
                long xxhash64 = b.getLong();
                return new Message.Move(id, from, to, xxhash64, bool(b));
            }
            case ENTRY_ERROR:
                return new Message.EntryError(str(b), str(b));
            case META_END:
                return new Message.MetaEnd(b.getLong(), b.getInt(), b.getLong());
            case NEED:
                return new Message.Need(b.getInt());
            case RESUME: {
                int id = b.getInt();
                int blockSize = b.getInt();
                int n = b.getInt();
                try {
                    checkResume(blockSize, n);
                } catch (IllegalArgumentException e) {
                    throw protocol(e.getMessage());
                }
                if ((long) n * 8 > b.remaining()) {
                    throw protocol("resume with " + n + " block hashes in " + b.remaining() + " bytes");
                }
                long[] hashes = new long[n];
                for (int i = 0; i < n; i++) {
                    hashes[i] = b.getLong();
                }
                return new Message.Resume(id, blockSize, hashes);
            }
            case FILE_FROM: {
                int id = b.getInt();
                long offset = b.getLong();
                if (offset < 0) {
                    throw protocol("negative resume offset " + offset);
                }
                return new Message.FileFrom(id, offset);
            }
            case ACK: {
                int id = b.getInt();
                int o = b.get();
                if (o < 0 || o >= Outcome.values().length) {
                    throw protocol("unknown outcome " + o);
                }
                return new Message.Ack(id, Outcome.values()[o], nullableStr(b));
            }
            case FILE_DATA: {
                int id = b.getInt();
                int n = b.getInt();
                if (n < 0 || n > MAX_CHUNK || n > b.remaining()) {
                    throw protocol("chunk length " + n + " invalid");
                }
                byte[] data = new byte[n];
                b.get(data);
                return new Message.FileData(id, data);
            }
            case FILE_END: {
                int id = b.getInt();
                int n = b.get() & 0xff;
                if (n > MAX_DIGEST || n > b.remaining()) {
                    throw protocol("digest length " + n + " invalid");
                }
                byte[] digest = new byte[n];
                b.get(digest);
                return new Message.FileEnd(id, digest);
            }
            case FILE_RESTART:
                return new Message.FileRestart(b.getInt(), entry(b));
            case FILE_INLINE: {
                int id = b.getInt();
                WireEntry entry = entry(b);
                int d = b.get() & 0xff;
                if (d > MAX_DIGEST || d > b.remaining()) {
                    throw protocol("digest length " + d + " invalid");
                }
                byte[] digest = new byte[d];
                b.get(digest);
                int n = b.getInt();
                if (entry.type() != EntryType.FILE || n < 0 || n > INLINE_MAX || n != entry.size() || n > b.remaining()) {
                    throw protocol("inline file of " + n + " bytes for a " + entry.type() + " of " + entry.size() + " bytes");
                }
                byte[] data = new byte[n];
                b.get(data);
                return new Message.FileInline(id, entry, data, digest);
            }
            case BATCH_START: {
                int version = b.getInt();
                long seq = b.getLong();
                boolean whole = bool(b);
                boolean last = bool(b);
                return new Message.BatchStart(version, seq, whole, strings(b), last);
            }
            case BATCH_READY:
                return new Message.BatchReady(b.getLong());
            case HINTS: {
                boolean whole = bool(b);
                String warning = nullableStr(b);
                return new Message.Hints(strings(b), whole, warning);
            }
            case SESSION_END:
                return new Message.SessionEnd();
            case FILE_ABORT:
                return new Message.FileAbort(b.getInt(), str(b));
            case SUMMARY: {
                long ft = b.getLong();
                long bt = b.getLong();
                long fd = b.getLong();
                long fm = b.getLong();
                long ec = b.getLong();
                int n = count(b, 4);
                List<String> errors = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    errors.add(str(b));
                }
                return new Message.Summary(ft, bt, fd, fm, ec, errors);
            }
            case ABORT:
                return new Message.Abort(b.getInt(), str(b));
            case BYE:
                return new Message.Bye();
            default:
                throw protocol("unknown message type " + type);
        }
    }

    private static void entry(DataOutputStream o, WireEntry e) throws IOException {
        str(o, e.path());
        o.writeByte(e.type().code());
        o.writeLong(e.size());
        o.writeLong(e.mtimeNanos());
        o.writeInt(e.mode());
        nullableStr(o, e.linkTarget());
        o.writeInt(e.uid());
        o.writeInt(e.gid());
        if (e.xattrs() == null) {
            o.writeInt(-1);
        } else {
            o.writeInt(e.xattrs().size());
            for (Map.Entry<String, byte[]> a : e.xattrs().entrySet()) {
                str(o, a.getKey());
                o.writeInt(a.getValue().length);
                o.write(a.getValue());
            }
        }
    }

    private static WireEntry entry(ByteBuffer b) throws IOException {
        String path = str(b);
        EntryType type = EntryType.fromCode(b.get());
        long size = b.getLong();
        long mtime = b.getLong();
        int mode = b.getInt();
        String target = nullableStr(b);
        int uid = b.getInt();
        int gid = b.getInt();
        SortedMap<String, byte[]> xattrs = xattrs(b, path);
        if (size < 0) {
            throw protocol("negative size " + size + " for " + path);
        }
        if ((type == EntryType.SYMLINK) != (target != null)) {
            throw protocol("link target must be present exactly for symlinks: " + path);
        }
        return new WireEntry(path, type, size, mtime, mode, target, uid, gid, xattrs);
    }

    /** Extended attributes of an entry: -1 for none carried, else a count of (name, value) pairs. */
    private static SortedMap<String, byte[]> xattrs(ByteBuffer b, String path) throws IOException {
        int n = b.getInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > MAX_XATTRS || (long) n * 8 > b.remaining()) {
            throw protocol("extended attribute count " + n + " invalid for " + path);
        }
        SortedMap<String, byte[]> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String name = str(b);
            int len = b.getInt();
            if (name.isEmpty() || len < 0 || len > b.remaining() || out.containsKey(name)) {
                throw protocol("malformed extended attribute for " + path);
            }
            byte[] value = new byte[len];
            b.get(value);
            out.put(name, value);
        }
        return out;
    }

    private static void strings(DataOutputStream o, List<String> list) throws IOException {
        o.writeInt(list.size());
        for (String p : list) {
            str(o, p);
        }
    }

    private static List<String> strings(ByteBuffer b) throws IOException {
        int n = count(b, 4);
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(str(b));
        }
        return list;
    }

    private static void str(DataOutputStream o, String s) throws IOException {
        byte[] bytes = utf8(s);
        if (bytes.length > MAX_STRING) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes exceeds " + MAX_STRING);
        }
        o.writeInt(bytes.length);
        o.write(bytes);
    }

    private static void nullableStr(DataOutputStream o, String s) throws IOException {
        o.writeBoolean(s != null);
        if (s != null) {
            str(o, s);
        }
    }

    private static String str(ByteBuffer b) throws IOException {
        int n = b.getInt();
        if (n < 0 || n > MAX_STRING || n > b.remaining()) {
            throw protocol("string length " + n + " invalid");
        }
        ByteBuffer slice = b.slice();
        slice.limit(n);
        b.position(b.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw protocol("string is not valid UTF-8");
        }
    }

    private static String nullableStr(ByteBuffer b) throws IOException {
        return bool(b) ? str(b) : null;
    }

    private static boolean bool(ByteBuffer b) throws IOException {
        byte v = b.get();
        if (v != 0 && v != 1) {
            throw protocol("boolean byte " + v);
        }
        return v == 1;
    }

    private static int count(ByteBuffer b, int minBytesEach) throws IOException {
        int n = b.getInt();
        if (n < 0 || (long) n * minBytesEach > b.remaining()) {
            throw protocol("list length " + n + " invalid");
        }
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static FarsyncException protocol(String what) {
        return new FarsyncException(ExitCode.TRANSFER_FAILED, "protocol error: " + what);
    }

    /** A reusable frame buffer that writes its bytes without copying them. */
    private static final class Frame extends ByteArrayOutputStream {
        Frame() {
            super(8192);
        }
    }
}
