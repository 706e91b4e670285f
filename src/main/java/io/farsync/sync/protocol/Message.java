package io.farsync.sync.protocol;

import java.util.List;

/**
 * The messages of the one-way sync protocol. See {@link io.farsync.sync.protocol} for the
 * conversation. Ids are numbers the source gives each entry it sends, so that file data and
 * acknowledgements need not repeat paths.
 */
public sealed interface Message {

    /** First message each way: protocol version and the sender's snapshot database id. */
    record Hello(int version, String snapshotId) implements Message {
    }

    /**
     * D→S: paths where the destination's tree differs from its snapshot; {@code last} ends the
     * list. {@code emptyTree}: the destination's scan found nothing below its root, so every
     * source file is new there (the source may send small ones as {@link FileInline}).
     * {@code partials}: it found partial files of an earlier run, which a large file's
     * {@link Resume} may reuse (the source then sends no {@link MetaEager}).
     */
    record Deviations(List<String> paths, boolean last, boolean emptyTree, boolean partials) implements Message {
        public Deviations {
            paths = List.copyOf(paths);
        }

        public Deviations(List<String> paths, boolean last, boolean emptyTree) {
            this(paths, last, emptyTree, false);
        }

        public Deviations(List<String> paths, boolean last) {
            this(paths, last, false);
        }
    }

    /**
     * D→S, after the deviations: entries the destination has and never synced with this source
     * (all of its entries if its snapshot was made with another source database), for
     * {@code --mirror}; empty otherwise. {@code last} ends the list.
     */
    record Extras(List<WireEntry> entries, boolean last) implements Message {
        public Extras {
            entries = List.copyOf(entries);
        }
    }

    /** S→D: delete {@code expected.path()} if it is still what was synced. */
    record Delete(int id, WireEntry expected) implements Message {
    }

    /**
     * S→D: the entry the destination has at {@code from.path()} (as synced) is now
     * {@code to.path()}, with everything below it. The destination renames it if it is still
     * what was synced and answers {@link Ack} MOVED; otherwise it answers {@link Need} (delete
     * {@code from} the usual way and send {@code to}: contents of a file, Metas of a directory's
     * entries) and then settles {@code to} like a {@link Meta}. {@code from} and {@code to} have
     * the same type. {@code xxhash64} is the hash of a file's contents at the source (0 for other
     * types): the destination moves a file only if its copy at {@code from} hashes the same, since
     * a reused inode with equal size and mtime can still hold other bytes. {@code carry}
     * (bidirectional only): the source matched this rename with the destination's edit of
     * {@code from}, so the destination renames its edited file along ({@code RenameEdit});
     * without it the move is an ordinary one. Both sides then record the same carried renames.
     */
    record Move(int id, WireEntry from, WireEntry to, long xxhash64, boolean carry) implements Message {
        public Move(int id, WireEntry from, WireEntry to, long xxhash64) {
            this(id, from, to, xxhash64, false);
        }
    }

    /** S→D: the source's entry; the destination answers {@link Need} or an {@link Ack}. */
    record Meta(int id, WireEntry entry) implements Message {
    }

    /**
     * S→D, instead of {@link Meta} for a file the destination cannot have yet (its tree was
     * empty and held no partial file): the file's contents follow at once from offset 0 as
     * {@link FileData} and {@link FileEnd}, as if the destination had answered {@link Need}, one
     * round trip sooner. The destination decides as for a Meta; where that would be a Need (it
     * never is a {@link Resume}) it takes the contents as they come; otherwise it acknowledges or
     * refuses the entry and drops its FileData, FileRestart, FileEnd and FileAbort unread.
     */
    record MetaEager(int id, WireEntry entry) implements Message {
    }

    /**
     * S→D: the source's file {@code entry} is a hard link to {@code target} (same device and
     * inode), whose contents the destination already has in place as {@code target} describes
     * (sent and acknowledged earlier in this run, or synced before). The destination links
     * {@code entry.path()} to it (a copy where linking fails) and answers {@link Ack} LINKED or
     * UNCHANGED; if {@code target} is not there as described, it answers {@link Need} and takes
     * the entry like a {@link Meta}.
     */
    record Link(int id, WireEntry entry, WireEntry target) implements Message {
    }

    /**
     * S→D, instead of {@link Meta} for a small file new or changed since the last sync: the
     * entry with all of its contents ({@code data}, at most {@link MessageCodec#INLINE_MAX}
     * bytes, exactly the entry's size) and their checksum, as {@link FileEnd} carries it. The
     * destination decides as for a Meta; where that would be a {@link Need}, it takes the bytes
     * as if they had followed it (a checksum mismatch asks with a Need, answered by FileData and
     * FileEnd as usual); otherwise it acknowledges and drops them. The source sends it only for
     * files it read whole and found unchanged after reading, so it never restarts one.
     */
    record FileInline(int id, WireEntry entry, byte[] data, byte[] digest) implements Message {
        @Override
        public boolean equals(Object o) {
            return o instanceof FileInline f && f.id == id && f.entry.equals(entry) && java.util.Arrays.equals(f.data, data)
                    && java.util.Arrays.equals(f.digest, digest);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * id + entry.hashCode()) + java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "FileInline[id=" + id + ", entry=" + entry + ", bytes=" + data.length + "]";
        }
    }

    /** S→D: a source entry that could not be read; reported, not synced. */
    record EntryError(String path, String reason) implements Message {
    }

    /**
     * S→D: no more {@link Meta} or {@link Delete} follow; {@code entriesChecked} source entries
     * were compared. {@code rootMode} and {@code rootMtimeNanos}: the source root's own, for the
     * destination's root once everything inside it is done ({@link #NO_ROOT}: leave it alone).
     */
    record MetaEnd(long entriesChecked, int rootMode, long rootMtimeNanos) implements Message {
        /** No root metadata: a bidirectional pass, or a root the source could not read. */
        public static final int NO_ROOT = -1;

        public MetaEnd(long entriesChecked) {
            this(entriesChecked, NO_ROOT, 0);
        }
    }

    /** D→S: send the contents of entry {@code id}. */
    record Need(int id) implements Message {
    }

    /**
     * D→S, instead of {@link Need}: send entry {@code id}'s contents; the destination already
     * holds a partial copy (left by an interrupted run) whose first {@code blockHashes.length}
     * blocks of {@code blockSize} bytes have these xxHash64 (seed 0) values. The source answers
     * {@link FileFrom} and the contents from there. {@code blockSize} is a power of two within
     * {@link MessageCodec#MIN_RESUME_BLOCK}..{@link MessageCodec#MAX_RESUME_BLOCK}, at most
     * {@link MessageCodec#MAX_RESUME_BLOCKS} hashes, none beyond the file's announced size.
     */
    record Resume(int id, int blockSize, long[] blockHashes) implements Message {
        @Override
        public boolean equals(Object o) {
            return o instanceof Resume r && r.id == id && r.blockSize == blockSize && java.util.Arrays.equals(r.blockHashes, blockHashes);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * id + blockSize) + java.util.Arrays.hashCode(blockHashes);
        }

        @Override
        public String toString() {
            return "Resume[id=" + id + ", blockSize=" + blockSize + ", blocks=" + blockHashes.length + "]";
        }
    }

    /**
     * S→D, first answer to a {@link Resume}: the {@link FileData} that follow start at byte
     * {@code offset}, a multiple of the block size no larger than the blocks the destination
     * offered (the verified prefix); the destination keeps its first {@code offset} bytes and
     * drops the rest of its partial copy.
     */
    record FileFrom(int id, long offset) implements Message {
    }

    /** D→S: entry {@code id} is settled (see {@link Outcome}); {@code detail} explains a failure. */
    record Ack(int id, Outcome outcome, String detail) implements Message {
    }

    /** S→D: the next bytes of entry {@code id}'s contents, at most {@link MessageCodec#MAX_CHUNK}. */
    record FileData(int id, byte[] data) implements Message {
    }

    /**
     * S→D: entry {@code id}'s contents are complete; {@code digest} is their checksum of the kind
     * the sync uses (empty for none, at most {@link MessageCodec#MAX_DIGEST} bytes).
     */
    record FileEnd(int id, byte[] digest) implements Message {
        @Override
        public boolean equals(Object o) {
            return o instanceof FileEnd e && e.id == id && java.util.Arrays.equals(e.digest, digest);
        }

        @Override
        public int hashCode() {
            return 31 * id + java.util.Arrays.hashCode(digest);
        }

        @Override
        public String toString() {
            return "FileEnd[id=" + id + ", digest=" + java.util.HexFormat.of().formatHex(digest) + "]";
        }
    }

    /**
     * S→D: entry {@code id}'s file changed while being sent: drop what arrived of it; its
     * contents will come again (FileData, FileEnd) with this metadata, same path, once the file
     * is quiet.
     */
    record FileRestart(int id, WireEntry entry) implements Message {
    }

    /** S→D: entry {@code id} will not be completed (read error, changed during transfer). */
    record FileAbort(int id, String reason) implements Message {
    }

    /** D→S: the totals of the sync; after it the source sends {@link Bye}. */
    record Summary(long filesTransferred, long bytesTransferred, long filesDeleted, long filesMoved, long entriesChecked,
            List<String> errors) implements Message {
        public Summary {
            errors = List.copyOf(errors);
        }
    }

    /** Either way: a fatal error ends the sync; both sides report it with the same exit code. */
    record Abort(int exitCode, String message) implements Message {
    }

    /** S→D: the source has the summary; the sync is over. */
    record Bye() implements Message {
    }

    /**
     * C→S, persistent sessions only (continuous mode): one more conversation follows, limited to
     * {@code paths} (relative subtrees that may have changed) unless {@code wholeTree}. Long lists
     * take several messages with the same {@code seq}; {@code last} ends the list. {@code version}
     * is the sender's sync protocol version, checked before anything else.
     */
    record BatchStart(int version, long seq, boolean wholeTree, List<String> paths, boolean last) implements Message {
        public BatchStart {
            paths = List.copyOf(paths);
        }
    }

    /**
     * S→C, persistent sessions whose server is the source: the answer to a {@link BatchStart}.
     * No {@link Hints} come between it and the conversation's end, so the client's reader can
     * hand the stream to its endpoint.
     */
    record BatchReady(long seq) implements Message {
    }

    /**
     * S→C between conversations, from a server that watches its source: something at or below
     * {@code paths} (relative) changed, or everything may have ({@code wholeTree}, after lost
     * events). {@code warning}: a line for the user (watch limit reached), or null.
     */
    record Hints(List<String> paths, boolean wholeTree, String warning) implements Message {
        public Hints {
            paths = List.copyOf(paths);
        }
    }

    /** C→S instead of a {@link BatchStart}: the persistent session is over. */
    record SessionEnd() implements Message {
    }
}
