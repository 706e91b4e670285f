/**
 * The one-way sync engine. Callers need five types: {@link io.farsync.sync.SourceEndpoint} and
 * {@link io.farsync.sync.DestinationEndpoint} (one per side, each given the synced root, its own
 * {@link io.farsync.sync.snapshot.SnapshotStore}, {@link io.farsync.sync.SyncOptions} and a
 * {@link io.farsync.sync.SyncListener}), whose {@code run(in, out)} talk over one reliable,
 * ordered, bidirectional byte stream and both return the same {@link io.farsync.sync.SyncResult};
 * and {@link io.farsync.sync.PathJail} to resolve a client's requested path inside a server root.
 *
 * <pre>{@code
 * try (SnapshotStore db = SnapshotStore.open(stateDir.resolve(sessionId + ".db"))) {
 *     SyncResult r = new SourceEndpoint(root, db, SyncOptions.defaults(), listener)
 *             .run(stream.input(), stream.output());
 * }
 * }</pre>
 *
 * <p>Each {@code run} starts a reader and a writer thread for the stream (daemon threads named
 * {@code farsync-source-reader} etc.) and returns once the peer agreed the sync is over. Errors
 * that end the sync are thrown as {@link io.farsync.common.FarsyncException} on both sides with
 * the same exit code (the failing side tells the other); errors of single entries land in
 * {@link io.farsync.sync.SyncResult#errors()} and the sync goes on. The caller owns the streams
 * and closes them after {@code run} returns or throws.
 *
 * <p>Semantics worth knowing: {@code planned} counts the candidate files before the destination's
 * quick check, so it is an upper bound; the root directory's own mode and mtime are not synced.
 * <ul>
 *   <li>Checksums: every file travels with the checksum of
 *       {@link io.farsync.sync.SyncOptions#checksum()} (xxHash64 by default, SHA-256, or none),
 *       checked before it is renamed into place; a mismatch is requested once more in the same
 *       run (bytesTransferred then counts it twice) and never applied.</li>
 *   <li>A source file that changes while it is read is sent again under the same id once it has
 *       been unmodified for a second (at most 10 s after it changed, at most 3 times), and only
 *       then reported as failed.</li>
 *   <li>Moves and renames (files, symlinks, whole directories) are detected by device and inode
 *       and applied as renames at the destination, a moved file only if its bytes hash the same
 *       there; {@link io.farsync.sync.SyncResult#filesMoved()} counts one per move, a renamed
 *       directory once. With {@code propagateDeletes} off nothing is moved (the old path must
 *       stay).</li>
 *   <li>Deletes ({@link io.farsync.sync.SyncOptions}): propagated (default), off, delayed until
 *       every transfer is in place, or mirror (also what only the destination has); bounded by a
 *       {@link io.farsync.sync.DeleteLimit} checked before anything changes.</li>
 *   <li>Filters ({@link io.farsync.sync.filter.Filter}) apply at the source; what they exclude is
 *       neither sent nor deleted.</li>
 *   <li>Resume: a file of 1 MiB or more is received under a partial name that survives an
 *       interrupted run (kill -9, a lost link); the next run asks for it from the first block
 *       whose xxHash64 the source does not match (see {@link io.farsync.sync.protocol}).
 *       {@code bytesTransferred} counts only what was sent again.</li>
 *   <li>Each endpoint notes its role, root and how every run ended (status, counters, pending
 *       entries, kept partial files, per-entry errors) in its snapshot, for {@code farsync admin}
 *       ({@link io.farsync.sync.snapshot.SnapshotStore#lastRun()}).</li>
 * </ul>
 * Not yet handled: ownership, hard links (sent as separate files), sparse files, xattrs/ACLs,
 * file names that are not valid in the JVM's file name encoding.
 *
 * <p>Sub-packages, one per concern: {@code scan} (lstat-only tree walk and entries),
 * {@code filter} (include/exclude rules), {@code snapshot} (the SQLite store), {@code protocol}
 * (messages, framing, and the conversation itself), {@code apply} (the destination's atomic
 * writes inside the root).
 */
package io.farsync.sync;
