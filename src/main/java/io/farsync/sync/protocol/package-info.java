/**
 * The wire protocol of one-way sync: {@link io.farsync.sync.protocol.Message} records framed by
 * {@link io.farsync.sync.protocol.MessageCodec} on any reliable ordered byte stream.
 *
 * <h2>The conversation (S = source, D = destination)</h2>
 * <pre>
 *  S: Hello(version, S-db-id)            D: Hello(version, D-db-id)
 *  S scans its tree (minus what the      D scans its tree, deletes stale temp files, compares
 *     filter excludes; a one-shot push   the scan with its snapshot
 *     has begun it while the session
 *     came up: sync.AheadScan)
 *                                        D: Deviations(paths...)* Deviations(last, D's tree
 *                                           is empty)
 *                                        D: Extras(entries...)* Extras(last): with --mirror,
 *                                           what D has and never synced (everything, if D's
 *                                           snapshot was made with another S database);
 *                                           otherwise one empty Extras(last)
 *                                        (both lists without waiting for S's Hello when they
 *                                           cannot depend on it: a whole-tree run, and for
 *                                           Extras no --mirror and no bidi; else after it)
 *  S plans: candidates = source entries changed since S's snapshot, or deviating at D, or all
 *           of them if S's snapshot was made with another D database (D-db-id differs);
 *           deletes = entries in S's snapshot gone from the scan (not under unreadable dirs,
 *           not excluded by the filter),
 *           and with --mirror the Extras S does not have;
 *           moves = recorded entries gone from their path whose device+inode (and, for a
 *           file, size and mtime) reappear at a never-recorded path, when deletes propagate,
 *           ordered so a move out of a path comes before any move into or below it and a
 *           move into a moved directory after that directory's move (a cycle of these: one
 *           move of it is dropped, its entry deleted and sent instead);
 *           plus the parent directories of all of these.
 *  S refuses (Abort DELETE_LIMIT) if the deletes exceed --max-delete, or if its root is empty
 *           while its snapshot has entries (unmounted?), unless --max-delete is 100%. In a
 *           persistent session (continuous mode) deletes over the limit are withheld instead:
 *           none is sent, and one EntryError says so.
 *  S: EntryError* (unreadable source entries)
 *  S: Move(id, from as-synced, to, xxh64)*      D: on Move: if from is as synced (own record:
 *     each after the new directories above its      type, size, mtime, inode; else the as-synced
 *     target, then Delete(id, as-synced)*           metadata), a file's bytes hash to xxh64,
 *     children first, then Meta(id, entry)*         to's parents are real directories and to
 *     parents first, then (--delete-delay) the      is free (or a file that a file may
 *     other Deletes once every file and symlink     replace): rename(2), move its records
 *     is acknowledged, then MetaEnd once every      below from in one statement, Ack(MOVED);
 *     Move is resolved; interleaved with file       else Need(id): "send to instead", and
 *     contents:                                     take to like a Meta
 *  S: on Need(move): Delete* for what D has at   D: on Meta(file): quick check (type, size,
 *     from (as synced, children first), and for     mtime); equal -&gt; Ack(UNCHANGED/METADATA),
 *     a directory Meta* for what is below to;       else at once Need(id), or, if a partial
 *     a file's contents follow as for a Meta        file of this very source file (see below)
 *                                                   survived a killed run, Resume(id, block
 *                                                   size, xxh64 of each whole block it holds)
 *  S: on Resume: hashes its own blocks, and
 *     answers FileFrom(id, offset) before the
 *     contents: offset = the blocks up to the
 *     first mismatch; FileData then start there  D: keeps the first offset bytes of the partial,
 *                                                   hashes them into the whole-file checksum
 *  S: FileData(id, &le;256 KiB)* FileEnd(id,      D: writes a hidden temp file, verifies size and
 *     digest), or FileRestart(id, entry) if the     checksum (--checksum: xxh64, sha256, none),
 *     file changed while read (sent again under
 *     the same id, up to 3 times, once unmodified
 *     for 1 s or 10 s after it changed), or
 *     FileAbort(id, reason)
 *     for each Need, in arrival order; a            fsyncs, sets mode and mtime, renames
 *     second Need for the same file (checksum       (ATOMIC_MOVE), records, Ack(TRANSFERRED);
 *     mismatch) sends it again, a third is a        on a mismatch: Need(id) once more, then
 *     protocol error                                Ack(FAILED); a bad file is never applied
 *                                               D: on MetaEnd and no file outstanding: sets
 *                                                  directory modes and mtimes deepest first,
 *                                                  Acks them
 *                                               D: Summary(totals incl. moves, errors)
 *  S: Bye                                       D returns; S returns after sending Bye
 *                                               (a server's one-shot D returns once its
 *                                               Summary is out: its outcome then travels
 *                                               with the Summary, not a round trip later)
 * </pre>
 * Hard links: of files sharing device and inode, S offers one as a Meta and holds the others;
 * once D acknowledged it (its contents in place), S sends Link(id, entry, target) for each, and
 * at once for new members of a set whose other member is already in place. D links if target is
 * there as described (type, size, mtime), else answers Need and takes the entry like a Meta.
 *
 * Small new files: instead of a Meta, S sends FileInline(id, entry, contents, digest) for a file
 * of at most {@link io.farsync.sync.protocol.MessageCodec#INLINE_MAX} bytes that D cannot have
 * yet (D's tree is empty, or, with a trusted D, S has no record of it or its size or mtime
 * changed since), if S read it whole and it did not change while read. D decides as for a Meta;
 * where it would answer Need it takes the contents as if they had followed (same temp file,
 * checksum, fsync and rename; a mismatch asks with a Need and gets FileData and FileEnd), else
 * it acknowledges and drops them. It saves, per file, the Need and a round trip before the
 * contents, and two messages (docs/PERFORMANCE.md, "Small files, session 4").
 *
 * Large files into an empty D: when D's last Deviations say its tree is empty and holds no
 * partial file (so no Resume could save anything), S sends a larger file as MetaEager(id, entry)
 * and its FileData and FileEnd at once, as if D had answered Need: one round trip fewer before
 * the first byte. D decides as for a Meta; where it would answer Need it receives the contents
 * (under the partial name, as usual); otherwise (a file appeared there since its scan, a parent
 * failed) it acknowledges or refuses the entry and drops what follows for that id up to its
 * FileEnd or FileAbort. S sends none in bidirectional passes, and a D it settled before it
 * started sending gets a FileAbort instead of the contents.
 *
 * <p>Nothing waits for a reply to the message before: metadata goes out in bursts while Needs flow
 * back, and contents go out while more Needs and Acks arrive. Ids number the Moves, Deletes and
 * Metas 0, 1, 2... in sending order (D refuses anything else, so a hostile id costs no memory);
 * data and acks carry ids instead of repeating paths. Only two things wait: MetaEnd, for an Ack
 * or Need of every Move (a refused move adds Deletes and Metas), and with --delete-delay the
 * late Deletes, for the Acks of every file and symlink offered. Protocol version 9 (version 8 had
 * no MetaEager and no partials flag in Deviations; version 7 had
 * no FileInline; version 6 had
 * no content hashes after the version vectors; version 3 had
 * no persistent sessions, no Link, no version vectors, and its entries had no uid, gid and
 * extended attributes; version 2 had no Resume and FileFrom; version 1 had no Move, no Extras
 * and no moves in Summary; D read S's Hello after its Deviations).
 *
 * <h2>Persistent sessions and scoped conversations (continuous mode)</h2>
 * A client that asks for a persistent session runs one conversation per batch on the same
 * stream, each preceded by a BatchStart naming the subtrees the watcher hinted at (or the whole
 * tree), and ends with SessionEnd; a server that is the source watches its root and sends Hints
 * between conversations (see {@link io.farsync.sync.BatchServer}). A scoped conversation is the
 * conversation above with both scans and both snapshot loads limited to the subtrees plus their
 * ancestors' own entries ({@link io.farsync.sync.Scope}); the source first widens a subtree whose
 * ancestor is gone to that ancestor, and either side falls back to the whole tree when the
 * peer's database is not the recorded one. BatchStart carries the version: a mismatch is refused
 * with the same message as a Hello's.
 *
 * <h2>Resuming inside a file</h2>
 * D receives every file of at least 1 MiB under a partial name,
 * {@code .NAME.farsync-<16 hex>.part} next to the target, the hex a SHA-256 prefix of S's
 * database id, the path, the size and the mtime, so it names one version of one source file.
 * When a run ends early (the peer or the link gone, an Abort) D keeps partial files that hold at
 * least one block; after kill -9 they simply stay. The scanner never lists them; it deletes them
 * once untouched for 7 days. The next run, needing that file with the same identity, sends
 * Resume instead of Need: blocks of 1 MiB (doubled until at most 4096 cover the file), one
 * xxHash64 each, whole blocks only. S answers FileFrom(offset) with the verified prefix and sends
 * the rest; the whole-file checksum (over D's kept prefix plus what arrived) still gates the
 * rename, and a mismatch asks with a plain Need for the whole file. A partial of a changed source
 * file has another name: it is not claimed, and D deletes partials no file of a complete run
 * claimed. Bounds checked at the receiver: at S, a power-of-two block size of 64 KiB..1 GiB, at
 * most 4096 hashes, none beyond the file's announced size, only as the first request for an
 * entry offered as a file; at D, FileFrom only for an entry it resumed, before any data, at a
 * block boundary within the blocks offered. Measured ({@code KillMidwayTest}): kill -9 with
 * 24.5 MiB of a 48 MiB file received; the rerun sent 24.0 MiB (the unfinished last block again).
 *
 * <p>Bidirectional sync ({@link io.farsync.sync.BidiEndpoint}) is two of these conversations in a
 * row on one stream, the roles swapped for the second (each side's reader stops after its last
 * inbound message, Summary or Bye, so the next conversation's Hello is never read by the old
 * one). In it D's Extras list every entry D has that differs from its snapshot or was never
 * synced, so S can reconcile; the messages themselves are unchanged.
 *
 * <p>A Move is one message whatever the size of the directory it renames: a 2,000-file
 * directory rename costs about 4 KB on the wire end to end (SSH and UDP included), against
 * 12 MB of data ({@code SyncScaleEndToEndTest}).
 *
 * <h2>Why it is safe</h2>
 * <ul>
 *   <li>D acknowledges an entry only after its snapshot commit (grouped: when idle, every 512
 *       acks or 200 ms), and after fsyncing the directories it renamed into, so S's snapshot
 *       never claims more than D's; S records an entry only on D's ack.</li>
 *   <li>S stores D's database id only at the end of a complete run; until then a recreated D
 *       database makes every entry a candidate again, and the quick check avoids resending.</li>
 *   <li>D deletes only what was synced and is unchanged: compared with D's own snapshot, or when
 *       D has no record, with the as-synced metadata S sends. Otherwise the file is kept and
 *       reported once (KEPT), and both sides forget it: it is now D's own file.</li>
 *   <li>D moves only what is as synced (the check of a delete, plus an xxHash64 of a file's
 *       bytes, since a reused inode can show the same size and mtime), never onto a directory,
 *       and only to a path whose parents are real directories inside the root (lstat, as for
 *       writes); S never targets a recorded path, so a move never replaces something synced. A
 *       refused move costs a transfer, never data.</li>
 *   <li>With --mirror, D also deletes what it never synced and S lacks, checked against the
 *       metadata D itself reported in Extras (changed since: kept), inside the root only, links
 *       removed and never followed. S refuses before any change (Abort DELETE_LIMIT) when the
 *       deletes exceed --max-delete or its root is empty while its snapshot is not.</li>
 *   <li>Every path D receives is validated ({@link io.farsync.sync.PathJail#checkWirePath}); a
 *       bad one ends the sync with {@code PATH_ESCAPE}. Parents must be real directories.</li>
 *   <li>Either side ends a failed sync with Abort(exit code, message): both throw the same
 *       {@link io.farsync.common.FarsyncException}.</li>
 * </ul>
 */
package io.farsync.sync.protocol;
