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
 *   <li>Owners and extended attributes ({@link io.farsync.sync.SyncOptions#preserveOwner()},
 *       {@link io.farsync.sync.SyncOptions#xattrs()}): entries travel with their numeric uid and
 *       gid, and with {@code --xattrs} their user.* attributes; the destination sets them through
 *       {@link io.farsync.sync.apply.Metadata} (owners only as root). Owner and an xattr
 *       fingerprint are part of change detection, so a change of either alone is a Meta answered
 *       METADATA, never a transfer. A run with other owner/xattr settings than the last one
 *       trusts no record (every entry is offered once and the quick check fixes the metadata).</li>
 *   <li>Hard links ({@link io.farsync.sync.HardLinks}): files of the tree sharing device and inode
 *       are sent once; the others travel as Link messages once the first is acknowledged, and the
 *       destination links them to it (copies it locally where linking fails).</li>
 * </ul>
 * Not yet handled: sparse files, ACLs, file names that are not valid in the JVM's file name
 * encoding.
 *
 * <h2>Bidirectional sync</h2>
 * {@link io.farsync.sync.BidiEndpoint} (one per side, with {@link io.farsync.sync.BidiOptions}:
 * the {@link io.farsync.sync.ConflictPolicy}, whether this side is SRC, the host name for conflict
 * copies) runs two one-way passes over the same stream: the first endpoint (the client's side)
 * sends, then receives. Each pass is the one-way protocol with two changes:
 * <ul>
 *   <li>The destination's Extras carry every entry it has that changed or was never synced (all of
 *       them if its snapshot was made with another database), so the source knows the peer's
 *       changes: Deviations (changed or gone) plus Extras (what is there now).</li>
 *   <li>The source reconciles three ways ({@code Reconciler}): for each path, its own change
 *       against its snapshot and the peer's change against the peer's snapshot (after a complete
 *       sync both record the same state) give one of send, delete at the peer, receive, delete
 *       here, conflict, nothing. It then narrows the usual plan ({@code BidiSource}): nothing the
 *       peer changed is offered or deleted from here; the second pass, where the peer is the
 *       source and reconciles the same way, carries those. Modify beats delete either way. Moves
 *       are still found by identity and sent as moves; a directory renamed on one side carries
 *       the other side's edits inside it along (the edit then travels back under the new name).
 *       A file renamed on one side and edited on the other ends as one file, the edited version
 *       under the new name ({@code RenameEdit}): the renamer's move is carried out on the edited
 *       file, or the editor applies the peer's rename to its own file first.</li>
 *   <li>Conflicts (a file or symlink changed on both sides to different things; both added
 *       counts) are decided once, by the first pass's source, which counts them in
 *       {@link io.farsync.sync.SyncResult#conflicts()} and reports each through
 *       {@link io.farsync.sync.SyncListener#conflict}. The winner: a directory over anything
 *       else; otherwise by policy: {@code keep-both} and {@code newest} the newer mtime (a tie goes
 *       to SRC), {@code source} SRC, {@code dest} DST. With keep-both (and always when a directory
 *       wins) the loser is kept as {@code NAME.conflict-HOST-yyyyMMddTHHmmssZ.EXT}, HOST being the
 *       losing side's host and the time its version's mtime in UTC ({@code -N} appended if taken):
 *       a losing source renames its own version before planning, and a bidi destination renames
 *       any locally changed file or symlink a Meta or Move would replace. The copy is a new file,
 *       so it reaches the other side in the same sync.</li>
 * </ul>
 * Why two passes rather than one interleaved exchange: each pass is the proven one-way machinery
 * (acks, snapshot commits, delete and move safety, checksums) unchanged, and the second pass
 * rescans, so it sees exactly what the first left. The cost is a second scan and one more round
 * trip per sync. Before the passes the two sides exchange their roots' version vectors
 * ({@link io.farsync.sync.version}), which order changes that travelled through a third replica
 * (n-way sync, {@link io.farsync.sync.nway}): only concurrent changes are conflicts. With {@code newest}, {@code source} or {@code dest} the losing version is overwritten (that is
 * the point of those policies). If one side's snapshot was made with another database (deleted,
 * or a different peer), nothing recorded is trusted: both trees are merged, differing files are
 * conflicts, and nothing is deleted.
 *
 * <p>Sub-packages, one per concern: {@code scan} (lstat-only tree walk and entries),
 * {@code filter} (include/exclude rules), {@code snapshot} (the SQLite store), {@code protocol}
 * (messages, framing, and the conversation itself), {@code apply} (the destination's atomic
 * writes inside the root).
 */
package io.farsync.sync;
