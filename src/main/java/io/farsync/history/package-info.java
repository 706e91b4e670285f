/**
 * The server's transfer history: every sync session and every entry it touched, in a SQLite
 * database in the server's state directory.
 *
 * <p>Two classes matter to users: {@link io.farsync.history.HistoryStore} (open, search, live
 * view of running sessions) and {@link io.farsync.history.Recording} (the {@code SyncListener}
 * one session reports to). Writes happen on one background thread in batched transactions, so a
 * slow disk delays the history, not the transfer.
 */
package io.farsync.history;
